#!/usr/bin/env bash
# Runs the libFuzzer targets of Fuzz/ (README "Reliability" → "Fuzzing"); `make fuzz` calls this.
#
#   scripts/fuzz.sh SECONDS [TARGET...]        (default: every target)
#
# Each target starts from seeds cut from Fixtures/ (scripts/fuzz-seeds.py) in a temporary corpus
# folder (FUZZ_CORPUS_DIR keeps it, for long runs that resume), runs for SECONDS, and prints
# executions per second and total executions. A crash, timeout or out-of-memory input is saved
# under Fixtures/fuzz-crashes/<target>/ and the script exits 1. A target that reports no coverage
# also fails: that is what a build without fuzzer instrumentation looks like (it still "runs").
#
# Knobs: FUZZ_BIN (build folder of the fuzz package), FUZZ_TIMEOUT (seconds per input, default 5),
# FUZZ_RSS_MB (default 1024), FUZZ_ARGS (extra libFuzzer flags), FUZZ_NICE (e.g. 19),
# FUZZ_LOG_DIR (where each target's libFuzzer log goes; default a temporary folder).
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SECONDS_EACH=${1:?usage: scripts/fuzz.sh SECONDS [TARGET...]}
shift
ALL_TARGETS="logv2 legacy kernel shell gzip rules analyze"
TARGETS=${*:-$ALL_TARGETS}
BIN=${FUZZ_BIN:-$ROOT/Fuzz/.build/release}
TIMEOUT=${FUZZ_TIMEOUT:-5}
RSS_MB=${FUZZ_RSS_MB:-1024}
NICE=${FUZZ_NICE:-0}
WORK=$(mktemp -d /tmp/bottleneck-fuzz.XXXXXX)
LOG_DIR=${FUZZ_LOG_DIR:-$WORK/logs}
mkdir -p "$LOG_DIR"
trap 'rm -rf "$WORK"' EXIT

# The Swift runtime's backtracer turns a trap into an ASan "unknown-crash" instead of
# libFuzzer's "deadly signal"; leave crash handling to libFuzzer.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:handle_sigill=1}

status=0
summary=()
for t in $TARGETS; do
    exe="$BIN/fuzz-$t"
    if [ ! -x "$exe" ]; then echo "fuzz: $exe missing (run make fuzz-build)"; exit 2; fi
    corpus=${FUZZ_CORPUS_DIR:+$FUZZ_CORPUS_DIR/$t}
    corpus=${corpus:-$WORK/corpus/$t}
    seeds=$WORK/seeds/$t
    mkdir -p "$corpus" "$seeds"
    python3 scripts/fuzz-seeds.py "$t" "$seeds" >/dev/null
    crashes=$ROOT/Fixtures/fuzz-crashes/$t
    mkdir -p "$WORK/artifacts/$t"
    log=$LOG_DIR/$t.log
    echo "fuzz: $t for ${SECONDS_EACH}s ($(ls "$seeds" | wc -l) seeds, log $log)"
    # New units go to the first folder (the work corpus); the seeds are read only.
    nice -n "$NICE" "$exe" -max_total_time="$SECONDS_EACH" -timeout="$TIMEOUT" -rss_limit_mb="$RSS_MB" \
        -print_final_stats=1 -artifact_prefix="$WORK/artifacts/$t/" ${FUZZ_ARGS:-} \
        "$corpus" "$seeds" >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | awk '{print $2}')
    ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | awk '{print $2}')
    units=$(grep -o 'corp: [0-9]*' "$log" | tail -1 | awk '{print $2}')
    result=ok
    found=$(ls "$WORK/artifacts/$t" 2>/dev/null)
    if [ -n "$found" ]; then
        mkdir -p "$crashes"
        for f in $found; do cp "$WORK/artifacts/$t/$f" "$crashes/$f"; done
        result="FOUND $(echo $found | wc -w) input(s) -> Fixtures/fuzz-crashes/$t/: $found"
        grep -m1 -E '^==[0-9]+==ERROR|deadly signal|Fatal error|timeout after|out-of-memory' "$log" | sed 's/^/    /'
        grep -m8 -E '^ +#[0-9]+ .* in ' "$log" | grep -v -E 'libFuzzer|fuzzer::|libclang_rt|__sanitizer|__asan|libc\.so|swift_|Swift[0-9]|\$ss' | head -4 | sed 's/^/    /'
        status=1
    elif [ "$rc" != 0 ]; then
        result="libFuzzer exited $rc (see $log)"
        tail -5 "$log" | sed 's/^/    /'
        status=1
    elif [ -z "$cov" ] || [ "$cov" = 0 ]; then
        result="NO COVERAGE: the binary is not instrumented (see $log)"
        status=1
    fi
    summary+=("$(printf '%-8s %6ss %12s execs %8s exec/s  cov %6s  ft %7s  corpus %6s  %s' "$t" "$SECONDS_EACH" "${execs:-?}" "${rate:-?}" "${cov:-0}" "${ft:-?}" "${units:-?}" "$result")")
done
echo "fuzz summary:"
for line in "${summary[@]}"; do echo "  $line"; done
exit $status

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
# FUZZ_RSS_MB (default 1024), FUZZ_MAX_LEN (bytes per input, default 4096; gzip 16384),
# FUZZ_ARGS (extra libFuzzer flags), FUZZ_NICE (e.g. 19), FUZZ_LOG_DIR (where each target's
# libFuzzer log goes; default a temporary folder), FUZZ_KEEP_GOING=1 (long runs: fork mode, go on
# after a crash and save every crashing input; the totals come from the fork-mode status lines).
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
# No allocation stacks in ASan reports (Swift code rarely needs them; recording one per malloc
# costs about a tenth of the executions).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:malloc_context_size=0}

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
    max_len=${FUZZ_MAX_LEN:-4096}
    [ "$t" = gzip ] && max_len=${FUZZ_MAX_LEN:-16384}
    mode=()
    [ "${FUZZ_KEEP_GOING:-0}" = 1 ] && mode=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
    # New units go to the first folder (the work corpus); the seeds are read only.
    start=$(date +%s)
    nice -n "$NICE" "$exe" -max_total_time="$SECONDS_EACH" -timeout="$TIMEOUT" -rss_limit_mb="$RSS_MB" \
        -max_len="$max_len" -print_final_stats=1 -artifact_prefix="$WORK/artifacts/$t/" "${mode[@]}" \
        ${FUZZ_ARGS:-} "$corpus" "$seeds" >"$log" 2>&1
    rc=$?
    elapsed=$(( $(date +%s) - start ))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    if [ "${FUZZ_KEEP_GOING:-0}" = 1 ]; then
        # Fork mode: "#<total execs>: cov: ... exec/s: ... time: <s>s ..." lines from the parent.
        execs=$(grep -E '^#[0-9]+: cov:' "$log" | tail -1 | sed -E 's/^#([0-9]+):.*/\1/')
        rate=$(( ${execs:-0} / (elapsed > 0 ? elapsed : 1) ))
    fi
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | awk '{print $2}')
    ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | awk '{print $2}')
    units=$(grep -o 'corp: [0-9]*' "$log" | tail -1 | awk '{print $2}')
    result=ok
    found=$(ls "$WORK/artifacts/$t" 2>/dev/null)
    if [ -n "$found" ]; then
        new=0 known=0
        for f in $found; do
            # Replay the input alone for its site: the failure and the first frame in our sources.
            replay=$(nice -n "$NICE" "$exe" -timeout="$TIMEOUT" -rss_limit_mb="$RSS_MB" "$WORK/artifacts/$t/$f" 2>&1)
            what=$(echo "$replay" | grep -m1 -o -E 'Swift runtime failure: [^/]*' | sed 's/ *$//')
            [ -n "$what" ] || what=$(echo "$replay" | grep -m1 -o -E 'Fatal error: .*|ERROR: (libFuzzer|AddressSanitizer): .*')
            site=$(echo "$replay" | grep -m1 -o -E '/Sources/BottleneckCore/[^ ]+:[0-9]+' | sed 's|.*/Sources/BottleneckCore/||')
            file=$(basename "${site%%:*}" 2>/dev/null)
            message=${what#Swift runtime failure: }
            if [ -n "$file" ] && grep -v '^#' Fuzz/known-crashes.txt | while read -r kf km; do
                   [ "$kf" = "$file" ] && [ "${message#"$km"}" != "$message" ] && echo yes; done | grep -q yes; then
                known=$((known + 1))
                mkdir -p "$ROOT/Fuzz/.build/known-crashes/$t"
                cp "$WORK/artifacts/$t/$f" "$ROOT/Fuzz/.build/known-crashes/$t/$f"
                echo "    known: $f: $what at $site (Fuzz/known-crashes.txt; copy in Fuzz/.build/known-crashes/$t/)"
            else
                new=$((new + 1))
                mkdir -p "$crashes"
                cp "$WORK/artifacts/$t/$f" "$crashes/$f"
                echo "    NEW: $f: ${what:-?} at ${site:-?} -> Fixtures/fuzz-crashes/$t/$f"
            fi
        done
        if [ "$new" -gt 0 ]; then
            result="FAILED: $new new crash input(s) in Fixtures/fuzz-crashes/$t/ (and $known at known sites)"
            status=1
        else
            result="ok ($known input(s) at known sites, see Fuzz/known-crashes.txt)"
        fi
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

#!/usr/bin/env bash
# ReDoS benchmark (issue 5): the user rule Fixtures/rules/redos/user-redos.yaml (`^(a+)+$`, a line
# rule) against lines of 100 KB of `a` followed by `b`. Every match must stop at the PCRE2 limits
# and be reported as aborted; prints the time per line with and without the rule.
#   scripts/redos-bench.sh [LINES]     (default 20 lines; BIN=path/to/bottleneck to choose a build)
set -euo pipefail
cd "$(dirname "$0")/.."
LINES=${1:-20}
BIN=${BIN:-}
if [ -z "$BIN" ]; then
  if [ -x .build/release/bottleneck ]; then BIN=.build/release/bottleneck; else BIN=.build/debug/bottleneck; fi
fi
[ -x "$BIN" ] || { echo "build first: swift build (or make release)" >&2; exit 1; }
DIR=$(mktemp -d /tmp/rules-redos.XXXXXX)
trap 'rm -rf "$DIR"' EXIT
python3 - "$DIR/redos.log" "$LINES" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for _ in range(int(sys.argv[2])):
        f.write("a" * 100_000 + "b\n")
PY
now() { date +%s.%N; }
t0=$(now); "$BIN" analyze -q --no-default-rules --format json "$DIR/redos.log" > "$DIR/base.json"; t1=$(now)
"$BIN" analyze -q --no-default-rules --rules Fixtures/rules/redos --format json "$DIR/redos.log" > "$DIR/rule.json"; t2=$(now)
python3 - "$DIR/rule.json" "$LINES" "$t0" "$t1" "$t2" "$BIN" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
lines = int(sys.argv[2]); t0, t1, t2 = map(float, sys.argv[3:6])
aborts = {a["rule"]: a for a in report["ruleAborts"]}
a = aborts.get("user-redos")
base, rule = t1 - t0, t2 - t1
print(f"binary: {sys.argv[6]}")
print(f"{lines} lines of 100,000 x 'a' + 'b', rule user-redos '^(a+)+$'")
print(f"without the rule: {base:.3f} s; with it: {rule:.3f} s; rule cost per line: {max(0.0, rule - base) / lines * 1000:.2f} ms")
print(f"aborted matches: {a['count'] if a else 0} of {lines} ({a['reason'] if a else 'none'})")
print(f"findings: {len(report['findings'])}")
sys.exit(0 if a and a["count"] == lines else 1)
PY

#!/bin/sh
# kill -9 loop for `bottleneck tail --state` (issue 13): see scripts/tail-kill-loop.py.
#   scripts/tail-kill-loop.sh                 # 500 cycles, quiet
#   LOAD=1 scripts/tail-kill-loop.sh          # 500 cycles under a busy loop per core
#   CYCLES=50 SEED=123 BIN=.build/release/bottleneck scripts/tail-kill-loop.sh
exec python3 "$(dirname "$0")/tail-kill-loop.py" "$@"

#!/bin/bash
# Runs every file of shared/data through the kernel parser (via the CLI) and reports crashes
# (exit status > 2, or an AddressSanitizer report when BIN is a --sanitize=address build).
BIN=${BIN:-.build/debug/bottleneck}
fail=0
while IFS= read -r -d '' f; do
  $BIN analyze -q -f ndjson "$f" >/tmp/oom-cc.out 2>/tmp/oom-cc.err; rc=$?
  if [ $rc -gt 2 ] || grep -q AddressSanitizer /tmp/oom-cc.err; then echo "CRASH rc=$rc $f"; fail=1; fi
done < <(find /work/shared/data -type f -print0)
echo "done fail=$fail"

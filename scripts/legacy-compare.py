#!/usr/bin/env python3
"""Compares bottleneck's slow-operation line counts with count_slow.py on every file of a folder.

Usage: scripts/legacy-compare.py [BIN] [DIR]   (defaults: .build/debug/bottleneck, ../shared/data/mongo)
For each file: lines, bottleneck's slowOps, count_slow.py's slow, the accounting invariant, and,
where the counts differ, the line numbers on each side (with the line's start) so each difference
can be explained. Exit status 1 if a file crashed or broke the invariant.
"""
import glob, gzip, json, os, re, subprocess, sys

BIN = sys.argv[1] if len(sys.argv) > 1 else ".build/debug/bottleneck"
DIR = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "../../shared/data/mongo")
COUNT = os.path.join(DIR, "count_slow.py")
# The same pattern as count_slow.py, to list line numbers.
LEG = re.compile(r'^\S.*?\[[^\]]+\] (?:warning: log line attempted \(\d+k?B?\) over max size ?\(\d+k?B?\), printing beginning and end \.\.\. )?(query|getmore|command|insert|update|remove|killcursors|aggregate) (\S+) .*\b(\d+)ms$')

def opener(p):
    return gzip.open(p, "rt", errors="replace") if p.endswith(".gz") else open(p, errors="replace")

bad = 0
for path in sorted(glob.glob(os.path.join(DIR, "**", "*"), recursive=True)):
    if os.path.isdir(path) or path.endswith((".py", ".md")):
        continue
    script = subprocess.run([sys.executable, COUNT, path], capture_output=True, text=True).stdout
    theirs = int(re.search(r"slow=(\d+)", script).group(1))
    r = subprocess.run([BIN, "analyze", "--format", "json", "--quiet", path], capture_output=True, text=True)
    if r.returncode not in (0,) or not r.stdout.startswith("{"):
        print(f"CRASH/ERROR {path}: exit {r.returncode} {r.stderr[:300]}")
        bad += 1
        continue
    rep = json.loads(r.stdout)
    i = rep["inputs"][0]
    skipped = sum(i["skipped"].values())
    balanced = i["lines"] == i["recognized"] + skipped
    if not balanced:
        bad += 1
    mark = "==" if i["slowOps"] == theirs else "!="
    print(f"{os.path.relpath(path, DIR)}\tlines={i['lines']}\tours={i['slowOps']} {mark} count_slow={theirs}"
          f"\tskipped={i['skipped']}\tunreadableTs={i.get('unreadableTimestamps', 0)}\tbalanced={balanced}")
    if i["slowOps"] != theirs:
        nd = subprocess.run([BIN, "analyze", "--format", "ndjson", "--quiet", path], capture_output=True, text=True).stdout
        ours = {json.loads(l)["line"] for l in nd.splitlines() if l.startswith("{") and '"slowOperation"' in l}
        their_lines = set()
        text = {}
        with opener(path) as f:
            for n, line in enumerate(f, 1):
                line = line.rstrip("\n")
                text[n] = line
                if not line.startswith("{") and LEG.match(line):
                    their_lines.add(n)
        for n in sorted(ours - their_lines):
            print(f"   only ours   L{n}: {text.get(n, '')[:220]}")
        for n in sorted(their_lines - ours):
            print(f"   only theirs L{n}: {text.get(n, '')[:220]}")
sys.exit(1 if bad else 0)

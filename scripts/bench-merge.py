#!/usr/bin/env python3
"""Merge benchmark (issue 10): N partial reports of S distinct shapes each, merged by one
`bottleneck merge`; wall time and peak RSS from /usr/bin/time -v, totals checked.

    python3 scripts/bench-merge.py .build/release/bottleneck /tmp/bn-merge
    python3 scripts/bench-merge.py BIN DIR --logs 10 --shapes 1000     # a quick run

Each log i is a logv2 file holding shapes i*S*(1-overlap) .. +S-1: a find on one namespace whose
filter field names depend on the shape index (so every index is its own shape), --ops operations
per shape. With the default overlap 0.5, half of a log's shapes are also in the next log, so the
merge really combines aggregates. The partials come from `bottleneck analyze --partial` (with
--jobs processes at a time); each part's JSON report gives its operation count. The merged JSON
report must hold operations = sum of the parts' operations and shapes = the distinct shapes
generated; when the merge's --memory-budget evicts shapes into (other) (the default 256 MiB keeps
150,732 shapes), kept counts plus (other) must equal the operations instead, and --memory-budget 0
checks the exact shape count. --reuse times the merge again on the partials already in DIR.
Exit 1 when a check fails.
"""
import argparse
import concurrent.futures as cf
import json
import os
import re
import subprocess
import sys
import time


def shape_filter(k):
    # Field names vary with the shape index: f<k> and g<k mod 97>, one comparison operator each.
    return '{"f%d":{"$gt":%d},"g%d":{"$in":[1,2]}}' % (k, k, k % 97)


def line(ts_ms, conn, k, j, dur):
    sec, ms = divmod(ts_ms, 1000)
    mi, s = divmod(sec, 60)
    h, mi = divmod(mi, 60)
    t = "2024-03-01T%02d:%02d:%02d.%03d+00:00" % (10 + h % 12, mi, s, ms)
    return ('{"t":{"$date":"%s"},"s":"I",  "c":"COMMAND",  "id":51803,   "ctx":"conn%d",'
            '"msg":"Slow query","attr":{"type":"command","ns":"bench.items","command":'
            '{"find":"items","filter":%s,"$db":"bench"},"planSummary":"COLLSCAN",'
            '"keysExamined":0,"docsExamined":%d,"numYields":%d,"nreturned":%d,'
            '"queryHash":"%08X","reslen":120,"durationMillis":%d}}\n'
            % (t, conn, shape_filter(k), 1000 + j, j, j % 5, k & 0xFFFFFFFF, dur))


def make_part(args, i):
    step = args.shapes - int(args.shapes * args.overlap)
    first = i * step
    log = os.path.join(args.dir, "log%03d.log" % i)
    part = os.path.join(args.dir, "p%03d.part" % i)
    rep = os.path.join(args.dir, "r%03d.json" % i)
    with open(log, "w") as f:
        ts = 0
        buf = []
        for j in range(args.ops):
            for k in range(first, first + args.shapes):
                ts += 7
                buf.append(line(ts, 1000 + (k % 50), k, j, 100 + (k * 7 + j * 13) % 900))
                if len(buf) >= 5000:
                    f.write("".join(buf))
                    buf = []
        f.write("".join(buf))
    subprocess.run([args.bin, "analyze", "--jobs", "1", "-q", "--memory-budget", "0",
                    "--partial", part, "--format", "json", "-o", rep, log], check=True)
    totals = json.load(open(rep))["totals"]
    size = os.path.getsize(part)
    logsize = os.path.getsize(log)
    if not args.keep_logs:
        os.remove(log)
        os.remove(rep)
    return i, totals, size, logsize


def parse_time_v(text):
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", text).group(1)
    secs = 0.0
    for p in wall.split(":"):
        secs = secs * 60 + float(p)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
    return secs, rss


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("bin", help="bottleneck binary (release build)")
    ap.add_argument("dir", help="work directory (created; logs, partials, merged report)")
    ap.add_argument("--logs", type=int, default=100, help="number of partials (default 100)")
    ap.add_argument("--shapes", type=int, default=10000, help="distinct shapes per log (default 10000)")
    ap.add_argument("--ops", type=int, default=3, help="operations per shape per log (default 3)")
    ap.add_argument("--overlap", type=float, default=0.5, help="share of shapes also in the next log")
    ap.add_argument("--jobs", type=int, default=2, help="analyze processes at a time")
    ap.add_argument("--memory-budget", default="256", help="merge --memory-budget MiB (default 256)")
    ap.add_argument("--keep-logs", action="store_true", help="keep the generated logs and part reports")
    ap.add_argument("--reuse", action="store_true", help="reuse the partials already in DIR")
    args = ap.parse_args()
    args.bin = os.path.abspath(args.bin)
    os.makedirs(args.dir, exist_ok=True)

    step = args.shapes - int(args.shapes * args.overlap)
    distinct = step * (args.logs - 1) + args.shapes
    parts = [os.path.join(args.dir, "p%03d.part" % i) for i in range(args.logs)]
    sums_file = os.path.join(args.dir, "parts.json")

    t0 = time.time()
    if args.reuse and all(os.path.exists(p) for p in parts) and os.path.exists(sums_file):
        info = json.load(open(sums_file))
    else:
        results = []
        with cf.ThreadPoolExecutor(max_workers=args.jobs) as ex:
            for r in ex.map(lambda i: make_part(args, i), range(args.logs)):
                results.append(r)
        info = {"operations": sum(r[1]["operations"] for r in results),
                "partBytes": [r[2] for r in results], "logBytes": [r[3] for r in results],
                "partShapes": [r[1]["shapes"] for r in results]}
        json.dump(info, open(sums_file, "w"))
    gen_secs = time.time() - t0
    bad = [i for i, s in enumerate(info["partShapes"]) if s != args.shapes]
    if bad:
        print("FAIL: parts %s do not hold %d shapes each" % (bad[:5], args.shapes))
        return 1

    merged = os.path.join(args.dir, "merged.json")
    cmd = ["/usr/bin/time", "-v", args.bin, "merge", *parts, "--memory-budget", args.memory_budget,
           "--format", "json", "-o", merged]
    load = os.getloadavg()
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        print(p.stderr)
        print("FAIL: merge exited %d" % p.returncode)
        return 1
    wall, rss_kb = parse_time_v(p.stderr)
    d = json.load(open(merged))
    t = d["totals"]
    kept = len(d["shapes"])
    pb = info["partBytes"]
    print("parts: %d x %d shapes x %d ops (overlap %.2f), %d distinct shapes; made in %.0f s"
          % (args.logs, args.shapes, args.ops, args.overlap, distinct, gen_secs))
    print("partial size: median %.2f MiB, total %.1f MiB (log %.1f MiB each)"
          % (sorted(pb)[len(pb) // 2] / 2**20, sum(pb) / 2**20, info["logBytes"][0] / 2**20))
    print("merge: %.2f s wall, peak RSS %.1f MiB (--memory-budget %s), load %.2f %.2f %.2f"
          % (wall, rss_kb / 1024, args.memory_budget, *load))
    print("merged totals: operations %d (parts sum %d), shapes %d (distinct generated %d), %d listed"
          % (t["operations"], info["operations"], t["shapes"], distinct, kept))
    ok = True
    if t["operations"] != info["operations"]:
        print("FAIL: operations %d != parts sum %d" % (t["operations"], info["operations"]))
        ok = False
    if t["operations"] != args.logs * args.shapes * args.ops:
        print("FAIL: operations %d != generated %d" % (t["operations"], args.logs * args.shapes * args.ops))
        ok = False
    other = d.get("otherShapes") or {}
    kept_ops = sum(s["count"] for s in d["shapes"])
    if other:
        # The memory budget evicted shapes into (other): the kept shapes plus (other) must still
        # account for every operation, and no more shapes than generated may be listed.
        print("(other): %d evictions, %d operations, max count error %d (bound %d), %d shapes kept"
              % (other["evictions"], other["operations"], other["maxCountError"],
                 other["countErrorBound"], other["maxShapes"]))
        if kept_ops + other["operations"] != t["operations"] or t["shapes"] > distinct:
            print("FAIL: kept %d + (other) %d != operations %d, or shapes %d > %d"
                  % (kept_ops, other["operations"], t["operations"], t["shapes"], distinct))
            ok = False
        print("note: shapes exact only with --memory-budget 0")
    elif t["shapes"] != distinct or (kept == t["shapes"] and kept_ops != t["operations"]):
        print("FAIL: shapes %d != distinct generated %d, or listed counts %d != operations"
              % (t["shapes"], distinct, kept_ops))
        ok = False
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

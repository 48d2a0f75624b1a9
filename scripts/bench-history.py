#!/usr/bin/env python3
"""History benchmark (issue 11): N runs of a 50 MB log saved to one store, then compares of
random pairs of saved runs, timed (wall clock, the whole `bottleneck compare` process).

    python3 scripts/bench-history.py BIN DIR [--runs 30] [--size 50M] [--pairs 10]

The logs come from ../shared/bench/genlog.py: one workload model, three line seeds, cycled
(run i analyzes seed i mod 3), so the pairs compared are like nights of one workload. Prints the
store's size per run and the compare times (median, max); exit 1 when a compare takes 1 s or more
or fails.
"""
import argparse
import os
import random
import statistics
import subprocess
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bin")
    ap.add_argument("dir")
    ap.add_argument("--shared", default=os.environ.get("SHARED", os.path.join(os.path.dirname(__file__), "..", "..", "shared")))
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--size", default="50M")
    ap.add_argument("--pairs", type=int, default=10)
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    logs = []
    for seed in (1, 2, 3):
        out = os.path.join(a.dir, f"night-{seed}.log")
        if not os.path.exists(out):
            subprocess.run([sys.executable, os.path.join(a.shared, "bench", "genlog.py"), "--format", "json", "--size", a.size,
                            "--model-seed", "11", "--seed", str(seed), "-o", out, "-j", "2"], check=True, stdout=subprocess.DEVNULL)
        logs.append(out)
    db = os.path.join(a.dir, "history.db")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.unlink(db + suffix)
    saves = []
    for i in range(a.runs):
        t = time.monotonic()
        subprocess.run([a.bin, "analyze", "-q", "--save", "--label", "nightly", "--db", db, "-o", os.path.join(a.dir, "report.txt"),
                        logs[i % 3]], check=True, stderr=subprocess.DEVNULL)
        saves.append(time.monotonic() - t)
    size = sum(os.path.getsize(db + s) for s in ("", "-wal") if os.path.exists(db + s))
    rng = random.Random(7)
    times = []
    failed = False
    for _ in range(a.pairs):
        x, y = rng.sample(range(1, a.runs + 1), 2)
        t = time.monotonic()
        p = subprocess.run([a.bin, "compare", "--db", db, "--fail-on", "none", str(x), str(y)], capture_output=True, text=True)
        dt = time.monotonic() - t
        times.append(dt)
        if p.returncode != 0:
            print(f"compare {x} {y} failed ({p.returncode}): {p.stderr}")
            failed = True
    mb = os.path.getsize(logs[0]) / 1e6
    print(f"{a.runs} runs of a {mb:.1f} MB log saved: analyze+save median {statistics.median(saves):.2f} s; "
          f"store {size / 1e6:.1f} MB, {size / a.runs / 1e3:.0f} kB per run")
    print(f"compare of two saved runs ({a.pairs} random pairs): median {statistics.median(times) * 1000:.0f} ms, "
          f"max {max(times) * 1000:.0f} ms")
    if failed or max(times) >= 1.0:
        print("bench-history: FAIL (a compare failed or took 1 s or more)")
        sys.exit(1)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Writes the seed corpus of one fuzz target from Fixtures/ (used by `make fuzz`).

    scripts/fuzz-seeds.py TARGET OUTDIR

Seeds are small (libFuzzer mutates small inputs much faster): runs of consecutive fixture lines
cut at about SEED_BYTES, a sample of the large gzip fixture, whole rule files. Nothing here is
committed; the corpus is rebuilt in a temporary folder on every run.
"""
import glob
import gzip
import hashlib
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOGS = os.path.join(ROOT, "Fixtures", "logs")
SEED_BYTES = 4096
MAX_SEEDS = 600


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    return gzip.decompress(data) if path.endswith(".gz") else data


def chunks(data, limit=SEED_BYTES, max_lines=40):
    """Runs of whole lines of at most `limit` bytes (a longer line is its own seed, cut at 4 limits)."""
    out, cur, n = [], b"", 0
    for line in data.splitlines(keepends=True):
        if cur and (len(cur) + len(line) > limit or n >= max_lines):
            out.append(cur)
            cur, n = b"", 0
        cur += line[: 4 * limit]
        n += 1
    if cur:
        out.append(cur)
    return out


def logv2():
    seeds = []
    for name in ["logv2-versions.log", "rules-regex-logv2.log", "oom-timeline/mongod.log"]:
        seeds += chunks(read(os.path.join(LOGS, name)), max_lines=4)
    hatchet = read(os.path.join(LOGS, "hatchet-sample-mongod-6.0.11.log.gz")).splitlines(keepends=True)
    seeds += chunks(b"".join(hatchet[:200]), max_lines=4)
    seeds += [line for line in hatchet[200::97]]
    return seeds


LEGACY = ["awslabs-mongod-3.6.17.log", "awslabs-mongodb-4.2.8.log", "mongodbjs-mapreduce-2.4.log",
          "mtools-collscans-2.4.9.log", "mtools-mongod-2.2.5.log", "mtools-mongod-2.6-corrupt.log",
          "mtools-year-rollover-excerpt.log", "talk-case2-slow-counts.txt"]


def legacy():
    seeds = []
    for name in LEGACY:
        seeds += chunks(read(os.path.join(LOGS, name)), limit=2048, max_lines=6)
    return seeds


def kernel():
    seeds = []
    for path in sorted(glob.glob(os.path.join(LOGS, "oom", "*"))) + [os.path.join(LOGS, "oom-timeline", "kern.log")]:
        seeds += chunks(read(path), limit=6144, max_lines=80)
    return seeds


def shell():
    """Values in shell syntax: each line of the legacy fixtures from each of its first `{`s."""
    seeds = []
    for name in LEGACY:
        for line in read(os.path.join(LOGS, name)).splitlines():
            starts = [i for i, c in enumerate(line) if c == ord("{")][:3]
            seeds += [line[i:] for i in starts]
    return seeds


def gzip_seeds():
    seeds = [read_raw(p) for p in sorted(glob.glob(os.path.join(LOGS, "gzip", "*")))]
    plain = logv2()[:8] + legacy()[:8] + kernel()[:8]
    seeds += [gzip.compress(s, mtime=0) for s in plain]
    seeds.append(gzip.compress(plain[0], mtime=0) + gzip.compress(plain[9], mtime=0))  # two members
    seeds.append(gzip.compress(gzip.compress(plain[1], mtime=0), mtime=0))  # gzipped twice
    seeds.append(gzip.compress(b"", mtime=0))
    return seeds


def read_raw(path):
    with open(path, "rb") as f:
        return f.read()


def rules():
    paths = sorted(glob.glob(os.path.join(ROOT, "rules", "*.yaml")))
    paths += sorted(glob.glob(os.path.join(ROOT, "Fixtures", "rules", "**", "*.yaml"), recursive=True))
    return [read_raw(p) for p in paths]


def analyze():
    seeds = logv2()[::4] + legacy()[::4] + kernel()[::4]
    seeds += chunks(read(os.path.join(LOGS, "oom-timeline", "mongod.log")) + read(os.path.join(LOGS, "oom-timeline", "kern.log")), max_lines=20)
    return seeds


TARGETS = {"logv2": logv2, "legacy": legacy, "kernel": kernel, "shell": shell, "gzip": gzip_seeds,
           "rules": rules, "analyze": analyze}


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in TARGETS:
        sys.exit("usage: fuzz-seeds.py {%s} OUTDIR" % ",".join(TARGETS))
    target, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    seen = set()
    written = 0
    for seed in TARGETS[target]():
        digest = hashlib.sha1(seed).hexdigest()
        if not seed or digest in seen:
            continue
        seen.add(digest)
        with open(os.path.join(out, "seed-" + digest[:16]), "wb") as f:
            f.write(seed)
        written += 1
        if written >= MAX_SEEDS:
            break
    print("%s: %d seeds in %s" % (target, written, out))


if __name__ == "__main__":
    main()

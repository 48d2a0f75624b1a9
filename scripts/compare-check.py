#!/usr/bin/env python3
"""Compare check (issue 11): `bottleneck compare` against generated baseline/current pairs with
known changes (../shared/bench/genlog.py --model-seed/--seed/--inject).

    python3 scripts/compare-check.py BIN DIR [--size 30M] [--format json|text] [--quick]

1. Null pairs: one model seed, two line seeds: compare must report no gating finding (JSON and
   table agree; exit 0 with --fail-on all, every class gating).
2. Injections: slower:K:1.5, flip:K:COLLSCAN, new:K, gone:K, more:K:3, oom:N on several seeds and
   values of K: the findings must be exactly the injected changes (each injected shape found with
   its verdict, and no other finding of any verdict), and the exit code (--fail-on all) exactly
   the bits of the injected classes.

An injected shape is matched to a finding by namespace, operation and the field names of its
filter (genlog's canonical form and ours differ in notation, not in fields). Exit 1 when a check
fails; the last line counts the scenarios.
"""
import argparse
import json
import os
import subprocess
import sys

VERDICT = {"slower": "latency-regression", "flip": "plan-flip", "new": "new-shape", "gone": "gone-shape",
           "more": "load-regression", "oom": "oom-regression"}
BITS = {"latency-regression": 2, "load-regression": 2, "new-shape": 4, "plan-flip": 8,
        "efficiency-regression": 8, "oom-regression": 16}


def genlog(shared, out, size, model, seed, injects, fmt="json"):
    if os.path.exists(out) and os.path.exists(out + ".truth.json"):
        return json.load(open(out + ".truth.json"))
    cmd = [sys.executable, os.path.join(shared, "bench", "genlog.py"), "--format", fmt, "--size", size,
           "--model-seed", str(model), "--seed", str(seed), "-o", out, "-j", "2"]
    for i in injects:
        cmd += ["--inject", i]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return json.load(open(out + ".truth.json"))


def field_names(shape_json):
    """Top-level and nested field names of a genlog shape's filter (operators left out)."""
    names = set()

    def walk(v):
        if isinstance(v, dict):
            for k, x in v.items():
                if not k.startswith("$"):
                    names.add(k)
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)
    walk(json.loads(shape_json).get("filter", {}))
    return names


def compare(bin_, base, cur, extra_cur=()):
    args = [bin_, "compare", "--fail-on", "all", "-f", "json", "--baseline", base, "--current", cur]
    for e in extra_cur:
        args += ["--current", e]
    p = subprocess.run(args, capture_output=True, text=True)
    if p.returncode not in range(0, 31):
        raise SystemExit(f"compare failed ({p.returncode}): {p.stderr}")
    report = json.loads(p.stdout)
    t = subprocess.run(args[:4] + ["-f", "table"] + args[6:], capture_output=True, text=True)
    return report, p.returncode, t.returncode, t.stdout


def matches(finding, inj):
    if inj["kind"] == "oom":
        return finding.get("process") == "mongod"
    if finding.get("namespace") != inj["ns"] or finding.get("operation") != inj["op"]:
        return False
    shape = finding.get("shape") or ""
    return all(name in shape for name in field_names(inj["shape"]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bin")
    ap.add_argument("dir")
    ap.add_argument("--shared", default=os.environ.get("SHARED", os.path.join(os.path.dirname(__file__), "..", "..", "shared")))
    ap.add_argument("--size", default="30M")
    ap.add_argument("--quick", action="store_true", help="fewer scenarios")
    ap.add_argument("--format", default="json", choices=["json", "text"], help="logv2 JSON or legacy text logs")
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    failures = 0
    scenarios = 0

    # 1. Null pairs.
    pairs = [(11, 1, 2), (11, 3, 4), (12, 1, 2), (12, 3, 4), (13, 5, 6), (14, 7, 8), (15, 9, 10)] + [(m, 1, 2) for m in range(21, 29)]
    if a.quick:
        pairs = pairs[:2]
    for model, s1, s2 in pairs:
        b = os.path.join(a.dir, f"{a.format}-m{model}-s{s1}.log")
        c = os.path.join(a.dir, f"{a.format}-m{model}-s{s2}.log")
        genlog(a.shared, b, a.size, model, s1, [], a.format)
        genlog(a.shared, c, a.size, model, s2, [], a.format)
        report, code, tcode, _ = compare(a.bin, b, c)
        gating = [f for f in report["findings"] if f["gate"]]
        ok = not gating and code == 0 and tcode == 0
        scenarios += 1
        others = ", ".join(f"{f['verdict']} {f.get('namespace')} {f.get('operation')}" for f in report["findings"]) or "none"
        print(f"{'ok  ' if ok else 'FAIL'} null model {model} seeds {s1}/{s2}: exit {code} (table {tcode}); "
              f"{len(report['findings'])} findings ({others}); latency tested on {report['latencyTested']} shapes")
        failures += not ok

    # 2. Injections, one or several per current log.
    cases = [
        (11, 1, 2, ["slower:2:1.5"]), (11, 1, 2, ["slower:4:1.5"]), (12, 3, 4, ["slower:1:1.5"]),
        (11, 1, 2, ["flip:5:COLLSCAN"]), (13, 5, 6, ["flip:3:COLLSCAN"]),
        (11, 1, 2, ["new:4"]), (14, 7, 8, ["new:2"]),
        (11, 1, 2, ["gone:7"]), (12, 3, 4, ["gone:3"]),
        (11, 1, 2, ["more:9:3"]), (13, 5, 6, ["more:4:3"]),
        (11, 1, 2, ["oom:3"]), (15, 9, 10, ["oom:1"]),
        (11, 1, 2, ["slower:2:1.6", "flip:5:COLLSCAN", "new:4", "gone:7", "more:9:3", "oom:3"]),
        (14, 7, 8, ["slower:3:1.5", "flip:2:COLLSCAN", "new:1", "gone:5", "more:6:3", "oom:2"]),
    ]
    if a.quick:
        cases = cases[-2:]
    for model, s1, s2, injects in cases:
        b = os.path.join(a.dir, f"{a.format}-m{model}-s{s1}.log")
        genlog(a.shared, b, a.size, model, s1, [], a.format)
        tag = "-".join(i.replace(":", "_") for i in injects)
        c = os.path.join(a.dir, f"{a.format}-m{model}-s{s2}-{tag}.log")
        truth = genlog(a.shared, c, a.size, model, s2, injects, a.format)
        extra = [c + ".kern.log"] if os.path.exists(c + ".kern.log") else []
        report, code, tcode, _ = compare(a.bin, b, c, extra)
        findings = report["findings"]
        used = set()
        problems = []
        want_bits = 0
        for inj in truth["injected"]:
            verdict = VERDICT[inj["kind"]]
            want_bits |= BITS.get(verdict, 0)
            hit = [i for i, f in enumerate(findings) if i not in used and matches(f, inj)]
            if not hit:
                problems.append(f"{inj['spec']} ({inj.get('ns')} {inj.get('op')}) not found")
                continue
            used.add(hit[0])
            got = findings[hit[0]]["verdict"]
            if got != verdict:
                problems.append(f"{inj['spec']}: verdict {got}, expected {verdict}")
        for i, f in enumerate(findings):
            if i not in used:
                problems.append(f"extra finding {f['verdict']} {f.get('namespace')} {f.get('operation')} {f.get('shapeId')}: {f['reason']}")
        if code != want_bits:
            problems.append(f"exit {code}, expected {want_bits}")
        if tcode != code:
            problems.append(f"table exit {tcode} differs from JSON's {code}")
        scenarios += 1
        ok = not problems
        print(f"{'ok  ' if ok else 'FAIL'} model {model} seeds {s1}/{s2} {' '.join(injects)}: exit {code}"
              + ("" if ok else "; " + "; ".join(problems)))
        failures += not ok
    print(f"compare-check: {scenarios - failures} of {scenarios} scenarios as expected")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()

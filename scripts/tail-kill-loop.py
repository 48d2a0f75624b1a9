#!/usr/bin/env python3
"""kill -9 loop for `bottleneck tail --state` (issue 13): a writer appends logv2 slow-query lines
(some written in two halves) and rotates the log (rename, or copytruncate with logrotate's
numbered renaming .1 -> .2 first) while the real binary is started, killed with SIGKILL at a
random moment (or stopped with SIGTERM), and restarted, CYCLES times. At the end the writer
stops, tail catches up, and its counters are compared with what was written, per namespace
(count) and in total (count and sum of durations, each line's duration being unique-ish):
lost = written - counted, duplicated = counted - written.

Environment: BIN (default .build/debug/bottleneck), CYCLES (500), SEED (random, printed),
LOAD=1 runs a busy loop per core during the cycles, KEEP=1 keeps the directory.
The writer does its copytruncates itself (no line is written between copy and truncate, which
is copytruncate's own loss and not tail's).
"""
import os, random, re, shutil, signal, subprocess, sys, tempfile, time, urllib.request

NS = [f"shop.c{i}" for i in range(7)]


def line(i):
    ns = NS[i % len(NS)]
    d = 1 + (i * 7919) % 4999
    return (f'{{"t":{{"$date":"2024-01-01T00:00:00.000Z"}},"s":"I","c":"COMMAND","id":51803,"ctx":"conn{i % 9}",'
            f'"msg":"Slow query","attr":{{"type":"command","ns":"{ns}","command":{{"find":"{ns.split(".")[1]}",'
            f'"filter":{{"a":{i}}}}},"planSummary":"COLLSCAN","durationMillis":{d}}}}}\n').encode(), ns, d


def writer(d, seed):
    rng = random.Random(seed)
    log = d + "/mongod.log"
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    counts = {ns: 0 for ns in NS}
    total_ms = 0
    i = 0
    stop = [False]
    signal.signal(signal.SIGTERM, lambda *_: stop.__setitem__(0, True))
    last_rotation = time.time()
    rotations = 0
    while not stop[0]:
        for _ in range(rng.randint(1, 8)):
            b, ns, ms = line(i)
            if rng.random() < 0.1:
                cut = rng.randint(1, len(b) - 1)
                os.write(fd, b[:cut])
                time.sleep(rng.uniform(0, 0.03))
                os.write(fd, b[cut:])
            else:
                os.write(fd, b)
            counts[ns] += 1
            total_ms += ms
            i += 1
        if time.time() - last_rotation > 0.3 and rng.random() < 0.05:
            n = 0
            while os.path.exists(f"{log}.{n + 1}"):
                n += 1
            for k in range(n, 0, -1):
                os.rename(f"{log}.{k}", f"{log}.{k + 1}")
            if rng.random() < 0.5:
                os.rename(log, log + ".1")
                os.close(fd)
                fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            else:
                shutil.copyfile(log, log + ".1")
                os.ftruncate(fd, 0)
            rotations += 1
            last_rotation = time.time()
        time.sleep(rng.uniform(0.002, 0.02))
    with open(d + "/written", "w") as f:
        f.write(f"{i} {total_ms} {rotations}\n")
        for ns in NS:
            f.write(f"{ns} {counts[ns]}\n")


def start_tail(binary, d, first, n):
    err = open(f"{d}/stderr-{n}", "wb")
    args = [binary, "tail", d + "/mongod.log", "--state", d + "/state.db", "--format", "none",
            "--listen", "127.0.0.1:0", "--checkpoint-seconds", "0.2", "--checkpoint-lines", "300", "--rotate-wait", "1", "--verbose", "--no-default-rules"]
    if first:
        args.append("--from-start")
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL)
    err.close()
    return p, f"{d}/stderr-{n}"


def port_of(errpath, p, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", open(errpath, errors="replace").read())
        if m:
            return int(m.group(1))
        if p.poll() is not None:
            return None
        time.sleep(0.02)
    return None


def metrics(port):
    return urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--writer":
        writer(sys.argv[2], int(sys.argv[3]))
        return
    binary = os.path.abspath(os.environ.get("BIN", ".build/debug/bottleneck"))
    cycles = int(os.environ.get("CYCLES", "500"))
    seed = int(os.environ.get("SEED", str(random.SystemRandom().randrange(1 << 31))))
    load = os.environ.get("LOAD") == "1"
    rng = random.Random(seed)
    d = tempfile.mkdtemp(prefix="bn-killloop-")
    print(f"tail kill loop: {cycles} cycles, seed {seed}, load {'busy loop per core' if load else 'none'}, dir {d}", flush=True)
    busy = []
    if load:
        for _ in range(os.cpu_count() or 1):
            busy.append(subprocess.Popen(["sh", "-c", "while :; do :; done"]))
    open(d + "/mongod.log", "w").close()
    w = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--writer", d, str(seed)])
    kills = stops = refused = 0
    started = time.time()
    try:
        # The first start must commit its first checkpoint before a kill can be meaningful.
        t, err = start_tail(binary, d, True, 0)
        if port_of(err, t) is None:
            sys.exit("tail did not start: " + open(err, errors="replace").read()[-2000:])
        time.sleep(0.3)
        for c in range(cycles):
            listening = "listening on" in open(err, errors="replace").read()
            if listening and rng.random() < 0.15:
                t.send_signal(signal.SIGTERM)
                if t.wait(30) != 0:
                    print(f"cycle {c}: SIGTERM exit status {t.returncode}", flush=True)
                stops += 1
            else:
                t.kill()
                t.wait()
                kills += 1
            time.sleep(rng.uniform(0, 0.5))  # down: the writer writes and rotates on
            t, err = start_tail(binary, d, False, c + 1)
            if rng.random() < 0.2:
                time.sleep(rng.uniform(0.02, 1.0))  # while starting: restoring, first checkpoint
            else:
                port_of(err, t)
                time.sleep(rng.uniform(0, 1.5))  # while following: reading, checkpointing, rotating  # a random moment: restoring, reading, checkpointing
            if t.poll() is not None:
                refused += 1
                print(f"cycle {c}: tail exited by itself with {t.returncode}: {open(err, errors='replace').read()[-500:]}", flush=True)
                t, err = start_tail(binary, d, False, f"{c + 1}b")
                time.sleep(0.5)
            if (c + 1) % 50 == 0:
                print(f"  {c + 1} cycles, {time.time() - started:.0f} s", flush=True)
        t.kill()
        t.wait()
    finally:
        for b in busy:
            b.kill()
        w.send_signal(signal.SIGTERM)
        w.wait()
    lines = open(d + "/written").read().split("\n")
    total, total_ms, rotations = map(int, lines[0].split())
    expected = {l.split()[0]: int(l.split()[1]) for l in lines[1:] if l.strip()}
    t, err = start_tail(binary, d, False, "final")
    port = port_of(err, t)
    last, stable_since = -1, time.time()
    while time.time() - stable_since < 4:
        body = metrics(port)
        n = sum(int(float(x)) for x in re.findall(r'^bottleneck_lines_total\{[^}]*\} (\S+)$', body, re.M))
        if n != last:
            last, stable_since = n, time.time()
        time.sleep(0.25)
    body = metrics(port)
    t.send_signal(signal.SIGTERM)
    t.wait(30)
    got = {ns: 0 for ns in NS}
    for ns, v in re.findall(r'^bottleneck_slow_operations_total\{namespace="([^"]+)",operation="find"\} (\d+)$', body, re.M):
        got[ns] = int(v)
    got_sum = sum(float(v) for v in re.findall(r'^bottleneck_slow_operation_duration_seconds_sum\{[^}]*\} (\S+)$', body, re.M))
    lost = sum(max(0, expected[ns] - got.get(ns, 0)) for ns in NS)
    dup = sum(max(0, got.get(ns, 0) - expected[ns]) for ns in NS)
    notices = {}
    for f in os.listdir(d):
        if f.startswith("stderr-"):
            for l in open(f"{d}/{f}", errors="replace"):
                if "lost" in l or "may be" in l:
                    notices[l.strip()] = notices.get(l.strip(), 0) + 1
    for n, k in sorted(notices.items(), key=lambda x: -x[1])[:10]:
        print(f"  notice x{k}: {n}")
    print(f"written {total} lines ({rotations} rotations), counted {sum(got.values())}; kills {kills}, SIGTERM stops {stops}, "
          f"tail exits on its own {refused}; lost {lost}, duplicated {dup}; duration sum written {total_ms / 1000:.3f} s, "
          f"counted {got_sum:.3f} s; {time.time() - started:.0f} s", flush=True)
    if os.environ.get("KEEP") != "1" and lost == 0 and dup == 0:
        shutil.rmtree(d)
    sys.exit(0 if lost == 0 and dup == 0 and abs(got_sum - total_ms / 1000) < 0.01 else 1)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Width of tail's inherent copytruncate window (issue 13): how long a freshly rotated file holds
bytes tail has not read yet (so has no fingerprint in tail). A copytruncate inside that window
is the one case tail cannot always attribute. Each probe rotates the log (rename), writes one
line into the new file and times until tail has counted it (/metrics polled every 1 ms).

Environment: BIN (default .build/debug/bottleneck), PROBES (200), POLL=1 (tail --poll, 0.25 s).
"""
import os, re, shutil, statistics, subprocess, sys, tempfile, time, urllib.request

binary = os.path.abspath(os.environ.get("BIN", ".build/debug/bottleneck"))
probes = int(os.environ.get("PROBES", "200"))
d = tempfile.mkdtemp(prefix="bn-window-")
log = d + "/mongod.log"
open(log, "w").close()
args = [binary, "tail", log, "--format", "none", "--listen", "127.0.0.1:0", "--rotate-wait", "0.5"]
if os.environ.get("POLL") == "1":
    args.append("--poll")
err = open(d + "/stderr", "wb")
t = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL)
port = None
for _ in range(3000):
    m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", open(d + "/stderr", errors="replace").read())
    if m:
        port = int(m.group(1))
        break
    time.sleep(0.01)
if port is None:
    sys.exit("tail did not start")


def lines():
    body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    return sum(int(v) for v in re.findall(r'^bottleneck_lines_total\{[^}]*\} (\d+)$', body, re.M))


widths = []
for i in range(probes):
    os.rename(log, f"{log}.{i + 1}")
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    before = lines()
    start = time.perf_counter()
    os.write(fd, (f'{{"t":{{"$date":"2024-01-01T00:00:00.000Z"}},"s":"I","c":"COMMAND","id":1,"msg":"probe {i}"}}\n').encode())
    while lines() == before:
        if time.perf_counter() - start > 10:
            break
        time.sleep(0.001)
    widths.append((time.perf_counter() - start) * 1000)
    os.close(fd)
    time.sleep(0.05)
t.terminate()
t.wait(30)
shutil.rmtree(d)
widths.sort()
print(f"window width ({'--poll' if os.environ.get('POLL') == '1' else 'inotify'}, {probes} probes): "
      f"p50 {statistics.median(widths):.1f} ms, p95 {widths[int(len(widths) * 0.95) - 1]:.1f} ms, max {widths[-1]:.1f} ms")

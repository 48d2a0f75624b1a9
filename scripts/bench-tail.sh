#!/usr/bin/env bash
# Benchmark of `bottleneck tail` (not part of `make test`):
#  1. latency: time from appending one slow-query line to seeing it counted in GET /metrics
#     (default --interval; /metrics is rendered from the live state on every request);
#  2. throughput: lines/s and MB/s tail sustains while a writer appends as fast as it can,
#     next to `bottleneck analyze` on the same bytes (the batch throughput).
# Knobs: BIN (default .build/release/bottleneck, built if missing), LINES (default 400000),
#        PROBES (default 200), DIR (default /tmp/bottleneck-tail-bench). Needs python3.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.build/release/bottleneck}
LINES=${LINES:-400000}
PROBES=${PROBES:-200}
DIR=${DIR:-/tmp/bottleneck-tail-bench}
[ -x "$BIN" ] || swift build -c release >/dev/null
rm -rf "$DIR"; mkdir -p "$DIR"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$DIR"' EXIT

python3 - "$BIN" "$DIR" "$LINES" "$PROBES" <<'EOF'
import http.client, os, re, statistics, subprocess, sys, time
BIN, DIR, LINES, PROBES = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])

def line(i):
    ns = "shop.c%d" % (i % 37)
    op = ("find", "aggregate", "count")[i % 3]
    if op == "find":
        cmd = '{"find":"c%d","filter":{"f%d":%d,"status":"x"},"sort":{"t":-1}}' % (i % 37, i % 11, i)
    elif op == "aggregate":
        cmd = '{"aggregate":"c%d","pipeline":[{"$match":{"k%d":%d}},{"$group":{"_id":"$a","n":{"$sum":1}}}],"cursor":{}}' % (i % 37, i % 5, i)
    else:
        cmd = '{"count":"c%d","query":{"q%d":{"$gt":%d}}}' % (i % 37, i % 7, i)
    return ('{"t":{"$date":"2024-05-01T10:%02d:%02d.%03dZ"},"s":"I","c":"COMMAND","id":51803,"ctx":"conn%d","msg":"Slow query",'
            '"attr":{"type":"command","ns":"%s","command":%s,"planSummary":"COLLSCAN","keysExamined":0,"docsExamined":%d,'
            '"nreturned":%d,"numYields":%d,"reslen":%d,"durationMillis":%d}}\n') % (
        i // 60000 % 60, i // 1000 % 60, i % 1000, i % 50, ns, cmd, i % 5000, i % 20, i % 9, 100 + i % 900, 100 + i % 4000)

def start(path):
    err = open(path + ".stderr", "w")
    p = subprocess.Popen([BIN, "tail", path, "--listen", "127.0.0.1:0", "--format", "none"], stdout=subprocess.DEVNULL, stderr=err)
    for _ in range(1000):
        m = re.search(r"127\.0\.0\.1:(\d+)", open(path + ".stderr").read())
        if m: return p, int(m.group(1))
        time.sleep(0.01)
    raise SystemExit("tail did not start")

def lines_total(conn):
    conn.request("GET", "/metrics")
    body = conn.getresponse().read().decode()
    return sum(int(l.rsplit(" ", 1)[1]) for l in body.splitlines() if l.startswith("bottleneck_lines_total{"))

# 1. Latency.
path = os.path.join(DIR, "latency.log"); open(path, "w").close()
p, port = start(path)
conn = http.client.HTTPConnection("127.0.0.1", port)
lat = []
fd = os.open(path, os.O_WRONLY | os.O_APPEND)
for i in range(PROBES):
    before = lines_total(conn)
    t0 = time.perf_counter()
    os.write(fd, line(i).encode())
    while lines_total(conn) == before:
        if time.perf_counter() - t0 > 5: raise SystemExit("line not seen within 5 s")
    lat.append((time.perf_counter() - t0) * 1000)
    time.sleep(0.01)
p.terminate(); p.wait()
lat.sort()
print("latency append -> /metrics over %d probes: p50 %.2f ms, p95 %.2f ms, p99 %.2f ms, max %.2f ms"
      % (len(lat), lat[len(lat) // 2], lat[int(len(lat) * .95)], lat[int(len(lat) * .99)], lat[-1]))

# 2. Throughput: a writer appends LINES lines in 1 MiB writes as fast as it can.
src = os.path.join(DIR, "source.log")
with open(src, "w") as f:
    for i in range(LINES): f.write(line(i))
size = os.path.getsize(src)
path = os.path.join(DIR, "throughput.log"); open(path, "w").close()
p, port = start(path)
conn = http.client.HTTPConnection("127.0.0.1", port)
data = open(src, "rb").read()
fd = os.open(path, os.O_WRONLY | os.O_APPEND)
t0 = time.perf_counter()
for off in range(0, len(data), 1 << 20): os.write(fd, data[off:off + (1 << 20)])
t_written = time.perf_counter() - t0
while lines_total(conn) < LINES: time.sleep(0.005)
t_tail = time.perf_counter() - t0
p.terminate(); p.wait()
t1 = time.perf_counter()
subprocess.run([BIN, "analyze", "--format", "json", "-q", src], stdout=subprocess.DEVNULL, check=True)
t_batch = time.perf_counter() - t1
mb = size / 1e6
print("throughput: %d lines, %.1f MB written in %.2f s; tail counted all after %.2f s = %.0f lines/s, %.1f MB/s"
      % (LINES, mb, t_written, t_tail, LINES / t_tail, mb / t_tail))
print("batch analyze on the same file: %.2f s = %.0f lines/s, %.1f MB/s; tail/batch = %.2f"
      % (t_batch, LINES / t_batch, mb / t_batch, (LINES / t_tail) / (LINES / t_batch)))
EOF

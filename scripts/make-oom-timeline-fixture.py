#!/usr/bin/env python3
"""Builds Fixtures/logs/oom-timeline/{mongod.log,kern.log}: a mongod (logv2) log with one slow
find per minute from 10:00 to 10:40 UTC and an aggregation surge (one slow $group every 5 s)
from 10:25:05 to 10:30:00, and a kern.log (rsyslog RFC 3339 prefixes) whose global OOM report
kills mongod at 10:30:02.345678, followed by systemd's restart lines.
Deterministic; the expected figures are worked out in Tests/BottleneckCoreTests/OOMTimelineTests.swift."""
import datetime as dt, os
out = os.path.join(os.path.dirname(__file__), "..", "Fixtures", "logs", "oom-timeline")
os.makedirs(out, exist_ok=True)
T0 = dt.datetime(2026, 3, 10, 10, 0, 0, tzinfo=dt.timezone.utc)
def iso(t): return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03d+00:00" % (t.microsecond // 1000)
def find(t, conn, ms):
    return ('{"t":{"$date":"%s"},"s":"I",  "c":"COMMAND",  "id":51803,   "ctx":"conn%d","msg":"Slow query","attr":{"type":"command","ns":"shop.orders","appName":"web","command":{"find":"orders","filter":{"status":"open","customerId":%d},"sort":{"created":-1},"limit":20,"lsid":{"id":{"$uuid":"3c1e2f0a-0000-4000-8000-00000000%04d"}},"$db":"shop"},"planSummary":"IXSCAN { status: 1, created: -1 }","keysExamined":120,"docsExamined":120,"nreturned":20,"numYields":0,"reslen":5120,"locks":{"Global":{"acquireCount":{"r":1}}},"protocol":"op_msg","durationMillis":%d}}' % (iso(t), conn, conn * 7, conn, ms))
def agg(t, conn, ms):
    return ('{"t":{"$date":"%s"},"s":"I",  "c":"COMMAND",  "id":51803,   "ctx":"conn%d","msg":"Slow query","attr":{"type":"command","ns":"metrics.events","appName":"reports","command":{"aggregate":"events","pipeline":[{"$match":{"day":{"$gte":"2026-03-01"}}},{"$group":{"_id":"$customer","n":{"$sum":1},"bytes":{"$sum":"$size"}}},{"$sort":{"n":-1}}],"allowDiskUse":false,"cursor":{},"lsid":{"id":{"$uuid":"7d2e4f1b-0000-4000-8000-00000000%04d"}},"$db":"metrics"},"planSummary":"COLLSCAN","keysExamined":0,"docsExamined":1500000,"nreturned":101,"numYields":1400,"reslen":9000,"locks":{"Global":{"acquireCount":{"r":1402}}},"protocol":"op_msg","durationMillis":%d}}' % (iso(t), conn, conn, ms))
lines = []
for m in range(0, 41):
    t = T0 + dt.timedelta(minutes=m)
    lines.append((t, find(t, 100 + m, 120)))
    if m % 10 == 0:
        lines.append((t, '{"t":{"$date":"%s"},"s":"I",  "c":"NETWORK",  "id":22943,   "ctx":"listener","msg":"Connection accepted","attr":{"remote":"10.0.0.%d:50000","connectionId":%d,"connectionCount":12}}' % (iso(t + dt.timedelta(milliseconds=500)), m + 1, 100 + m)))
for k in range(60):
    t = T0 + dt.timedelta(minutes=25, seconds=5 + 5 * k)
    lines.append((t, agg(t, 500 + k, 2500)))
lines.sort(key=lambda x: x[0])
with open(os.path.join(out, "mongod.log"), "w") as f:
    for _, l in lines: f.write(l + "\n")
BOOT_UP = 8040.123456  # uptime at the kill
kill = T0 + dt.timedelta(minutes=30, seconds=2, microseconds=345678)
def k(dsec, msg, tag="kernel"):
    t = kill + dt.timedelta(seconds=dsec)
    stamp = t.strftime("%Y-%m-%dT%H:%M:%S.%f") + "+00:00"
    if tag != "kernel": return "%s db1 %s %s" % (stamp, tag, msg)
    return "%s db1 kernel: [%12.6f] %s" % (stamp, BOOT_UP + dsec, msg)
rep = [
 k(-0.000300, "mongod invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, oom_score_adj=0"),
 k(-0.000290, "CPU: 1 PID: 2311 Comm: conn523 Not tainted 6.1.0-18-amd64 #1  Debian 6.1.76-1"),
 k(-0.000280, "Hardware name: QEMU Standard PC (Q35 + ICH9, 2009), BIOS 1.16.2-debian-1.16.2-1 04/01/2014"),
 k(-0.000270, "Call Trace:"),
 k(-0.000269, " <TASK>"),
 k(-0.000268, " dump_stack_lvl+0x44/0x5c"),
 k(-0.000267, " dump_header+0x4a/0x211"),
 k(-0.000266, " oom_kill_process.cold+0xb/0x10"),
 k(-0.000265, " out_of_memory+0x1fd/0x4c0"),
 k(-0.000264, " __alloc_pages_slowpath.constprop.0+0xc5a/0xd70"),
 k(-0.000263, " </TASK>"),
 k(-0.000200, "Mem-Info:"),
 k(-0.000199, "active_anon:1890263 inactive_anon:41230 isolated_anon:0"),
 k(-0.000100, "Tasks state (memory values in pages):"),
 k(-0.000099, "[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name"),
 k(-0.000098, "[    412]     0   412    12345     2310   110592        0             0 systemd-journal"),
 k(-0.000097, "[   2290]   112  2290  2431876  1938211 16478208        0             0 mongod"),
 k(-0.000096, "[   3001]  1000  3001   181234    40211   573440        0             0 node"),
 k(-0.000050, "oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/system.slice/mongod.service,task=mongod,pid=2290,uid=112"),
 k(0, "Out of memory: Killed process 2290 (mongod) total-vm:9727504kB, anon-rss:7752844kB, file-rss:0kB, shmem-rss:0kB, UID:112 pgtables:16092kB oom_score_adj:0"),
 k(0.412, "oom_reaper: reaped process 2290 (mongod), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB"),
 k(1.2, "mongod.service: A process of this unit has been killed by the OOM killer.", tag="systemd[1]:"),
 k(1.3, "mongod.service: Main process exited, code=killed, status=9/KILL", tag="systemd[1]:"),
 k(5.3, "mongod.service: Scheduled restart job, restart counter is at 1.", tag="systemd[1]:"),
 k(6.0, "Started mongod.service - MongoDB Database Server.", tag="systemd[1]:"),
]
pre = [
 "2026-03-10T09:58:11.204113+00:00 db1 kernel: [ 7688.981891] EXT4-fs (vda1): resizing filesystem from 5242619 to 10485499 blocks",
 "2026-03-10T09:59:40.001000+00:00 db1 CRON[1822]: (root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)",
]
with open(os.path.join(out, "kern.log"), "w") as f:
    for l in pre + rep: f.write(l + "\n")

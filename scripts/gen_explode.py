#!/usr/bin/env python3
"""gen_explode.py - a deterministic "cardinality explosion" logv2 file for the memory-budget bench.

Every line is a logv2 "Slow query" find. Out of every `--period` lines, one belongs to one of
`--heavy` heavy shapes (namespace heavy.hNN, a fixed filter; they take turns) and the others each
have a shape never seen before (namespace tail.tNN, a filter on a field named after the line), so
the file holds `--shapes` distinct tail shapes plus the heavy ones. This is what a log looks like
when an application builds field names from data (the origin talk's service died of exactly this).

Ground truth goes to <out>.truth.json in the layout genlog.py uses (total_lines, total_bytes,
slow_op_lines, slow_op_duration_sum_ms, all_shapes with ns/op/count/sum_ms), plus
`heavy_shapes` (the shapes any correct heavy-hitter structure must keep with exact counts) and
`tail_shapes` (how many shapes were seen once).

    python3 gen_explode.py --shapes 2000000 -o /tmp/x.log
"""
import argparse
import json
import sys

HEAD = '{"t":{"$date":"2024-03-01T%02d:%02d:%02d.%03d+00:00"},"s":"I",  "c":"COMMAND",  "id":51803,   "ctx":"conn%d","msg":"Slow query","attr":{"type":"command","ns":"%s","command":{"find":"%s","filter":%s,"$db":"%s"},"planSummary":"COLLSCAN","keysExamined":0,"docsExamined":%d,"numYields":%d,"nreturned":1,"reslen":%d,"remote":"10.1.%d.%d:%d","protocol":"op_msg","durationMillis":%d}}\n'


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--shapes', type=int, default=2_000_000, help='distinct tail shapes (each logged once)')
    ap.add_argument('--heavy', type=int, default=16, help='heavy shapes')
    ap.add_argument('--period', type=int, default=10, help='one heavy line every PERIOD lines')
    ap.add_argument('--tail-namespaces', type=int, default=8)
    ap.add_argument('-o', '--out', required=True)
    a = ap.parse_args()

    heavy = [{'ns': 'heavy.h%02d' % h, 'op': 'find', 'count': 0, 'sum_ms': 0} for h in range(a.heavy)]
    heavy_filters = ['{"status":"A","region":{"$in":["x","y"]},"h%02d":{"$gte":5}}' % h for h in range(a.heavy)]
    tails = 0
    i = 0
    total_bytes = 0
    dur_sum = 0
    tail_sum = 0
    out = open(a.out, 'w', buffering=1 << 22)
    buf = []
    while tails < a.shapes:
        ms = i // 2  # two lines per millisecond
        sec = ms // 1000
        hh, mm, ss = (sec // 3600) % 24, (sec // 60) % 60, sec % 60
        d = 100 + (i * 7919) % 900
        conn = 100 + i % 400
        if i % a.period == 0:
            h = (i // a.period) % a.heavy
            hs = heavy[h]
            ns = hs['ns']
            coll = ns.split('.')[1]
            filt = heavy_filters[h]
            hs['count'] += 1
            hs['sum_ms'] += d
        else:
            t = tails % a.tail_namespaces
            ns = 'tail.t%d' % t
            coll = 't%d' % t
            filt = '{"user_%x":%d,"kind":"b"}' % (tails, i % 1000)
            tails += 1
            tail_sum += d
        db = ns.split('.')[0]
        line = HEAD % (hh, mm, ss, ms % 1000, conn, ns, coll, filt, db, 1000 + i % 5000, i % 7,
                       200 + i % 300, i % 256, 1 + i % 250, 30000 + i % 30000, d)
        buf.append(line)
        total_bytes += len(line)
        dur_sum += d
        i += 1
        if len(buf) >= 100_000:
            out.write(''.join(buf))
            buf = []
    out.write(''.join(buf))
    out.close()
    truth = {
        'generator': 'gen_explode.py', 'format': 'json',
        'total_lines': i, 'total_bytes': total_bytes,
        'slow_op_lines': i, 'slow_op_lines_by_kind': {'find': i},
        'slow_op_duration_sum_ms': dur_sum,
        'tail_shapes': tails, 'tail_sum_ms': tail_sum,
        'distinct_shapes_seen': tails + a.heavy,
        'heavy_shapes': heavy,
        'all_shapes': heavy + [{'ns': 'tail.t%d' % t, 'op': 'find',
                                'count': len(range(t, tails, a.tail_namespaces)), 'sum_ms': None}
                               for t in range(a.tail_namespaces)],
    }
    with open(a.out + '.truth.json', 'w') as f:
        json.dump(truth, f, indent=1)
    sys.stderr.write('wrote %s: %d lines, %.1f MB, %d tail shapes, %d heavy shapes\n' % (
        a.out, i, total_bytes / 1e6, tails, a.heavy))


if __name__ == '__main__':
    main()

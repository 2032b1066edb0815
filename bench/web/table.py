"""The web fan-out table: medians of scripts/bench-web.sh's result lines, and
each row's ratios to the reference row.

    python3 table.py RESULTS ROW...

RESULTS holds one line per run, key=value fields (tern-web-bench's, after
row=, rep= and test=). Targets, reported and not asserted: delivered msgs/s
at least 10x the reference's, server CPU per delivery at most 1/10, p99 at
most 1/5.
"""

import builtins
import collections
import statistics
import sys


def print(*args):
    """Lines without the padding of an empty last column."""
    builtins.print(" ".join(str(a) for a in args).rstrip())

REFERENCE = "reference"


def read(path):
    runs = collections.defaultdict(list)
    absent = {}
    for line in open(path):
        kv = dict(f.split("=", 1) for f in line.split() if "=" in f)
        if kv.get("status") == "absent":
            absent[kv["row"]] = kv.get("why", "absent").replace("_", " ")
            continue
        runs[(kv["row"], kv["test"])].append(kv)
    return runs, absent


def med(runs, key):
    values = [float(r[key]) for r in runs if key in r]
    return statistics.median(values) if values else None


def note(row, runs, n):
    """Why a row's figures are not those of n clients, or ''."""
    good = [r for r in runs if r.get("status") == "ok"]
    if good:
        return ""
    opened = [int(r.get("opened", 0)) for r in runs]
    refused = [int(r.get("refused", 0)) for r in runs]
    if max(opened, default=0) > 0 and max(refused, default=0) > 0:
        if row == "httplib":
            return "stopped: max %d streams (thread per connection)" % max(opened)
        return "refused %d of %d" % (max(refused), n)
    if max(opened, default=0) > 0:
        return "opened %d of %d" % (max(opened), n)
    problem = next((r.get("problem", "") for r in runs if r.get("problem", "-") != "-"), "")
    status = next((r.get("status", "") for r in runs), "")
    return "n/a (%s)" % (problem.replace("_", " ")[:60] or status or "no result")


def ratio(value, ref, higher_better, target):
    if value is None or ref in (None, 0) or value == 0:
        return "-"
    r = value / ref
    met = r >= target if higher_better else r <= target
    return "x%.3g %s" % (r, "met" if met else "MISS")


def down_tables(runs, rows):
    tests = sorted({t for (_, t) in runs if t.startswith("down-")},
                   key=lambda t: tuple(int(x) for x in t.split("-")[1:]))
    print("DOWN: one topic, QoS 0, 64-byte payloads; delivered = sum over clients; latency = publish call to "
          "client receipt; cpu = server process (all threads) per delivered message; drops = published x clients "
          "- received; rd_us = the bench's readers and publisher per delivered message")
    print("%-5s %5s %-10s %11s %9s %9s %8s %7s %8s %6s  %-14s %-14s %-14s %s" % (
        "rate", "N", "row", "delivered/s", "p50_us", "p99_us", "cpu_us", "rss_MB", "drops", "rd_us",
        "rate/ref>=10", "cpu/ref<=0.1", "p99/ref<=0.2", "note"))
    print("(all/all: both delivered every message; >=x.. all: this row did, the reference did not, so the "
          "offered load bounds the ratio)")
    for test in tests:
        _, rate, n = test.split("-")
        ref = [r for r in runs.get((REFERENCE, test), []) if r.get("status") == "ok"]
        for row in rows:
            rr = runs.get((row, test), [])
            if not rr:
                continue
            why = note(row, rr, int(n))
            if why.startswith("n/a") or why.startswith("stopped"):
                print("%-5s %5s %-10s %s" % (rate, n, row, why))
                continue
            d, p50, p99 = med(rr, "delivered_per_s"), med(rr, "p50_us"), med(rr, "p99_us")
            cpu, rss, drops = med(rr, "cpu_us_per_delivery"), med(rr, "rss_kib"), med(rr, "drops")
            ratios = ["", "", ""]
            if row != REFERENCE and ref:
                # Both delivered everything: the publisher's rate, not the server, set the figure.
                # This row delivered everything and the reference did not: the
                # offered load bounds the ratio, which is then a lower bound.
                both_all = drops == 0 and med(ref, "drops") == 0
                row_all = drops == 0 and not both_all
                r = d / med(ref, "delivered_per_s")
                ratios = ["x%.3g all/all" % r if both_all else
                          ">=x%.3g all" % r if row_all and r < 10 else
                          ratio(d, med(ref, "delivered_per_s"), True, 10),
                          ratio(cpu, med(ref, "cpu_us_per_delivery"), False, 0.1),
                          ratio(p99, med(ref, "p99_us"), False, 0.2)]
            reader = med(rr, "bench_cpu_us_per_delivery")
            print("%-5s %5s %-10s %11.0f %9.0f %9.0f %8.2f %7.1f %8.0f %6s  %-14s %-14s %-14s %s" % (
                rate, n, row, d, p50, p99, cpu, rss / 1024, drops, "-" if reader is None else "%.2f" % reader,
                *ratios, why))


def up_table(runs, rows):
    tests = sorted({t for (_, t) in runs if t.startswith("up-")})
    print()
    print("UP: clients sending publish requests back to back (HTTP POST /mqtt/publish, or the WebSocket: the "
          "Beast binding's publish message, Socket.IO's publish event with an ack); latency = request to answer")
    print("%-10s %5s %-5s %10s %9s %9s %8s %9s %7s  %-14s %s" % (
        "row", "C", "via", "requests/s", "p50_us", "p99_us", "cpu_us", "arrived", "errors", "rate/ref", "note"))
    for test in tests:
        c = test.split("-")[1]
        ref = [r for r in runs.get((REFERENCE, test), []) if r.get("status") == "ok"]
        for row in rows:
            rr = runs.get((row, test), [])
            if not rr:
                continue
            ok = [r for r in rr if r.get("status") == "ok"]
            if not ok:
                print("%-10s %5s %-5s %s" % (row, c, rr[0].get("proto", "?"), note(row, rr, int(c))))
                continue
            rate = med(ok, "requests_per_s")
            rel = ratio(rate, med(ref, "requests_per_s"), True, 10) if row != REFERENCE and ref else ""
            errors = statistics.median(int(r.get("failed", 0)) + int(r.get("errors", 0)) for r in ok)
            print("%-10s %5s %-5s %10.0f %9.0f %9.0f %8.1f %9.0f %7.0f  %-14s %s" % (
                row, c, ok[0].get("proto", "?"), rate, med(ok, "p50_us"), med(ok, "p99_us"),
                med(ok, "cpu_us_per_request"), med(ok, "arrived"), errors, rel,
                "" if len(ok) == len(rr) else "%d of %d runs failed" % (len(rr) - len(ok), len(rr))))
    print("(the Flask-SocketIO example has no HTTP POST endpoint: its up path is the Socket.IO event only)")


def main():
    runs, absent = read(sys.argv[1])
    rows = sys.argv[2:]
    for row in rows:
        if row in absent:
            print("%s: n/a, %s" % (row, absent[row]))
    down_tables(runs, rows)
    up_table(runs, rows)


if __name__ == "__main__":
    main()

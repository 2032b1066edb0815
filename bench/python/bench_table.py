#!/usr/bin/python3
"""The summary table of the Python benchmarks (scripts/bench-flask.sh,
scripts/bench-asyncio.sh): medians per (mode, QoS, peer) of the key=value
lines a benchmark printed, and each tern peer against paho's in the same
run.

    bench_table.py RESULTS REPS
"""

import collections
import math
import statistics
import sys

MODES = ("backlog", "live", "paced")
PEERS = ("tern", "tern-loop", "tern-now", "tern-interval", "tern-loop-interval", "tern-fastapi", "paho", "wire",
         "tern-log", "paho-log")


def med(runs, key):
    """The median of the runs that have the figure (an incomplete run has
    no broker share; an older results file none at all)."""
    values = [v for v in (float(r.get(key, "nan")) for r in runs) if not math.isnan(v)]
    return statistics.median(values) if values else float("nan")


def main(path, reps):
    rows = collections.defaultdict(list)
    for line in open(path):
        kv = dict(f.split("=", 1) for f in line.split() if "=" in f)
        if kv.get("peer") == "none":
            print("publisher alone, qos %s: %s msgs/s into the broker (%s of %s delivered)"
                  % (kv["qos"], kv["pub_msgs_per_s"], kv.get("received", "?"), kv["count"]))
            continue
        if kv.get("status") != "ok":
            print("INCOMPLETE RUN:", line.strip())
        rows[(kv["mode"], int(kv["qos"]), kv["peer"])].append(kv)

    print()
    print("medians of %s runs each; cpu = receiving process, all threads, first to last message;" % reps)
    print("broker = the broker's share of a core over the same span (near 1: its one thread was saturated)")
    print(f"{'mode':8} {'qos':>3} {'peer':18} {'msgs/s':>9} {'cpu_us/msg':>10} {'cpu_all':>8} {'broker':>6} "
          f"{'lost':>5} {'dup':>4} {'drop':>5}  ratios")
    # The known peers in their order, then any other (a new one is shown, not dropped).
    peers = PEERS + tuple(sorted({peer for (_, _, peer) in rows} - set(PEERS)))
    for mode in MODES:
        for qos in (0, 1):
            for peer in peers:
                runs = rows.get((mode, qos, peer))
                if not runs:
                    continue
                # A tern peer against paho's (its -log variant against paho-log);
                # a -log variant also against the same library without it.
                base = "paho-log" if peer == "tern-log" else "paho" if peer.startswith("tern") else None
                ratio = ""
                if base and rows.get((mode, qos, base)):
                    b = rows[(mode, qos, base)]
                    ratio = "%s/%s rate x%.2f (higher better)  cpu x%.2f (lower better)" % (
                        peer, base, med(runs, "msgs_per_s") / med(b, "msgs_per_s"),
                        med(runs, "cpu_us_per_msg") / med(b, "cpu_us_per_msg"))
                if peer.endswith("-log") and rows.get((mode, qos, peer[:-4])):
                    b = rows[(mode, qos, peer[:-4])]
                    ratio += "  with/without on_log: rate x%.2f  cpu x%.2f" % (
                        med(runs, "msgs_per_s") / med(b, "msgs_per_s"),
                        med(runs, "cpu_us_per_msg") / med(b, "cpu_us_per_msg"))
                print(f"{mode:8} {qos:>3} {peer:18} {med(runs, 'msgs_per_s'):>9.0f} {med(runs, 'cpu_us_per_msg'):>10.2f} "
                      f"{med(runs, 'cpu_all_us_per_msg'):>8.2f} {med(runs, 'broker_cpu'):>6.2f} "
                      f"{sum(int(r['lost']) for r in runs):>5} "
                      f"{sum(int(r['dup']) for r in runs):>4} {sum(int(r['dropped']) for r in runs):>5}  {ratio}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

#!/usr/bin/python3
"""Messages per second into a Python on_message handler, and receiver CPU per
message: tern_flask against paho-mqtt 1.6 (the engine under Flask-MQTT).

    /usr/bin/python3 bench/python/flask_bench.py --peer tern|paho|tern-log|paho-log|none --qos Q
        --count N --size 64 --host H --port P [--backlog] [--queue-size Q]

The receiver runs in this process, the way each library is used in a Flask
app: for tern, a Flask app and ``tern_flask.Mqtt(app)`` with an
``@mqtt.on_message()`` handler; for paho, ``paho.mqtt.client.Client`` with
``loop_start()`` and an ``on_message`` callback (what Flask-MQTT does). Both
handlers are the same function: count, and check the sequence number.

The publisher is another process (this script with --publish): it writes N
pre-encoded PUBLISH packets (payload: a 10-digit sequence number padded to
--size bytes) over a raw socket in large writes, and at QoS 1 waits for every
PUBACK. ``mosquitto_pub -l`` was the first choice, but at QoS 1 it exits at
the end of its input with messages still unsent (100,000 lines, about 35,000
arrive). ``--peer none`` runs only the publisher, into a subscribed
persistent session, and reports its rate.

--backlog (draining a backlog): the receiver's persistent session
(clean session off, a fixed client id) is subscribed first, with paho for
both peers; then the publisher sends N messages, which the broker queues
(run it with ``max_queued_messages 0``); then the receiver connects and
drains them. Without --backlog: live streaming, the receiver is subscribed
and the publisher runs while it receives.

``tern-log`` and ``paho-log`` add an ``on_log`` handler that counts the
lines it gets, the way a migrated app debugs: with it both libraries make a
DEBUG line per packet (paho formats them whenever ``on_log`` is set; tern
whenever a log handler takes DEBUG), so the difference to ``tern`` and
``paho`` is what the packet trace costs.

Throughput is N over the time from the first to the last message handled;
``cpu_us_per_msg`` is this process's user+system CPU (every thread) over that
interval, per message; ``cpu_all_us_per_msg`` counts from just before the
receiver is created (connection, session set-up, and any messages read
before the first handler ran). One key=value line per run on stdout. ``handler_thread_cpu_us_per_msg``
is the CPU of the thread that runs the handler alone (tern: the dispatcher,
without the network thread; paho: its loop thread, which also does the
network I/O). With ``--broker-pid``, ``broker_cpu`` is the broker's share of
a core over the same interval: near 1, the broker's one thread was
saturated (how the receiver reads still changes what each message costs
it). --prefill (tern, a diagnostic) holds the first handler until the
network thread has queued all N messages, so that the dispatcher's own
per-message cost shows without waits for the broker.
"""

import argparse
import os
import resource
import signal
import subprocess
import sys
import threading
import time

SEQ_DIGITS = 10


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def process_cpu_seconds(pid):
    """Another process's user+system CPU (the broker's), or None when it cannot be read.
    The kernel counts it in clock ticks (10 ms), so a span of a fraction of
    a second reads it to within some percent."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


class Counter:
    """The handler's state: what the benchmark's on_message does per message."""

    def __init__(self, count, broker_pid=None):
        self.count = count
        self.broker_pid = broker_pid
        self.broker_cpu_first = self.broker_cpu_last = None
        self.seen = bytearray(count)
        self.received = 0
        self.dup = 0
        self.bad = 0
        self.t_first = None
        self.cpu_first = None
        self.t_last = None
        self.thread_cpu_first = self.thread_cpu_last = 0.0
        self.done = threading.Event()

    def _clocks(self):
        """Wall time, this process's CPU, this thread's CPU, the broker's CPU."""
        broker = process_cpu_seconds(self.broker_pid) if self.broker_pid else None
        return time.perf_counter(), cpu_seconds(), time.thread_time(), broker

    def mark_first(self):
        """The span's start: the first message."""
        self.t_first, self.cpu_first, self.thread_cpu_first, self.broker_cpu_first = self._clocks()

    def mark_last(self):
        """The span's end: every message arrived."""
        self.t_last, self.cpu_last, self.thread_cpu_last, self.broker_cpu_last = self._clocks()
        self.done.set()

    def on_message(self, client, userdata, message):
        if self.t_first is None:
            self.mark_first()
        try:
            seq = int(message.payload[:SEQ_DIGITS])
        except ValueError:
            self.bad += 1
            return
        if 0 <= seq < self.count and not self.seen[seq]:
            self.seen[seq] = 1
            self.received += 1
            self.t_last = time.perf_counter()
            if self.received == self.count:
                self.mark_last()
        else:
            self.dup += 1

    def wait(self, idle_timeout):
        """Until every message arrived, or none arrived for idle_timeout seconds."""
        last = -1
        while not self.done.wait(idle_timeout):
            if self.received == last:
                self.cpu_last = cpu_seconds()
                return False
            last = self.received
        return True


def varint(n):
    out = bytearray()
    while True:
        b, n = n % 128, n // 128
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def mqtt_string(s):
    b = s.encode()
    return len(b).to_bytes(2, "big") + b


def packet(first, body):
    return bytes([first]) + varint(len(body)) + body


def connect_packet(client_id, clean=True):
    """An MQTT 3.1.1 CONNECT with a keep-alive of 60 s."""
    flags = 0x02 if clean else 0x00
    return packet(0x10, mqtt_string("MQTT") + bytes([4, flags]) + (60).to_bytes(2, "big") + mqtt_string(client_id))


def run_publisher(host, port, topic, qos, count, size, client_id, rate=0):
    """The publisher process (--publish): N PUBLISH packets written over a raw
    socket in large writes, sequence numbers in the payload; at QoS 1 at most
    60,000 unacknowledged, and it returns once every PUBACK arrived; then
    DISCONNECT, and it waits for the broker to close the connection (so the
    broker has read everything). ``rate`` (messages per second, 0: as fast
    as it can): paced, a write every millisecond or so, for a live stream."""
    import socket

    s = socket.create_connection((host, port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.sendall(connect_packet(client_id))
    ack = b""
    while len(ack) < 4:
        chunk = s.recv(4 - len(ack))
        if not chunk:
            sys.exit("flask_bench publisher: the broker closed the connection")
        ack += chunk
    if ack[0] != 0x20 or ack[3] != 0:
        sys.exit("flask_bench publisher: CONNACK refused: %r" % ack)
    t = mqtt_string(topic)
    pad = b"x" * (size - SEQ_DIGITS)
    acked = [0]
    done = threading.Event()

    def read_acks():
        pending = 0
        while acked[0] < count:
            chunk = s.recv(65536)
            if not chunk:
                break
            pending += len(chunk)
            acked[0] += pending // 4  # PUBACKs only: 4 bytes each
            pending %= 4
        done.set()

    if qos == 1:
        threading.Thread(target=read_acks, daemon=True).start()
    t0 = time.perf_counter()
    batch = []
    per_write = 1000 if not rate else max(1, rate // 1000)
    for i in range(count):
        body = t + (((i % 65535) + 1).to_bytes(2, "big") if qos else b"") + b"%0*d" % (SEQ_DIGITS, i) + pad
        batch.append(packet(0x30 | (qos << 1), body))
        if len(batch) == per_write or i == count - 1:
            while qos and i - acked[0] > 60000:
                time.sleep(0.0005)
            if rate:
                ahead = t0 + (i + 1) / rate - time.perf_counter()
                if ahead > 0:
                    time.sleep(ahead)
            s.sendall(b"".join(batch))
            batch.clear()
    if qos:
        if not done.wait(60) or acked[0] < count:
            sys.exit("flask_bench publisher: %d of %d PUBACKs" % (acked[0], count))
    s.sendall(b"\xe0\x00")
    while s.recv(65536):
        pass
    s.close()
    return time.perf_counter() - t0


def publish(args, topic):
    """Runs the publisher process to completion; returns its wall time
    (connect to close) as it measured it. ``args.rate``, when there is one,
    paces it."""
    cmd = [sys.executable, os.path.abspath(__file__), "--publish", "--host", args.host, "--port", str(args.port),
           "--qos", str(args.qos), "--count", str(args.count), "--size", str(args.size), "--topic", topic,
           "--rate", str(getattr(args, "rate", 0) or 0)]
    out = subprocess.run(cmd, check=True, timeout=600, capture_output=True, text=True).stdout
    return float(out.split("pub_secs=")[1].split()[0])


def paho_client(client_id, clean):
    import paho.mqtt.client as mqtt

    c = mqtt.Client(client_id=client_id, clean_session=clean)
    c.max_inflight_messages_set(65535)
    c.max_queued_messages_set(0)
    return c


def prime_session(args, topic, client_id):
    """Subscribes a persistent session and disconnects, so the broker queues
    what is published next for `client_id`."""
    c = paho_client(client_id, clean=False)
    subscribed = threading.Event()
    c.on_connect = lambda cl, ud, flags, rc: cl.subscribe(topic, args.qos)
    c.on_subscribe = lambda cl, ud, mid, granted: subscribed.set()
    c.connect(args.host, args.port, 60)
    c.loop_start()
    if not subscribed.wait(10):
        sys.exit("flask_bench: the priming subscription got no SUBACK")
    c.disconnect()
    c.loop_stop()


class TernReceiver:
    def __init__(self, args, topic, client_id, counter, clean):
        import flask
        import tern_flask
        from tern_flask import _mqtt

        if args.queue_size:
            _mqtt.QUEUE_SIZE = args.queue_size
        elif args.prefill:
            _mqtt.QUEUE_SIZE = args.count  # every message must wait in the queue at once
        app = flask.Flask("flask_bench")
        app.config.update(
            MQTT_BROKER_URL=args.host,
            MQTT_BROKER_PORT=args.port,
            MQTT_CLIENT_ID=client_id,
            MQTT_CLEAN_SESSION=clean,
            MQTT_KEEPALIVE=60,
        )
        self.mqtt = mqtt = tern_flask.Mqtt()
        self.subscribed = threading.Event()
        self.log_lines = 0
        if args.peer.endswith("-log"):

            @mqtt.on_log()
            def handle_log(client, userdata, level, buf):
                self.log_lines += 1

        filled = [not args.prefill]

        @mqtt.on_message()
        def handle_message(client, userdata, message):
            if not filled[0]:
                # --prefill: hold the dispatcher until the network thread has
                # queued every message, then time the handlers alone.
                while mqtt.status()["messages_in"] < args.count:
                    time.sleep(0.01)
                filled[0] = True
            counter.on_message(client, userdata, message)

        @mqtt.on_subscribe()
        def handle_subscribe(client, userdata, mid, granted):
            self.subscribed.set()

        mqtt.init_app(app)
        if not clean:
            self.subscribed.set()  # the persistent session has the subscription
        else:
            mqtt.subscribe(topic, args.qos)

    def dropped(self):
        return self.mqtt.status()["dropped"]

    def close(self):
        self.mqtt.close()


class PahoReceiver:
    def __init__(self, args, topic, client_id, counter, clean):
        self.c = c = paho_client(client_id, clean)
        self.subscribed = threading.Event()

        def on_message(client, userdata, message):
            counter.on_message(client, userdata, message)

        def on_connect(client, userdata, flags, rc):
            if clean:
                client.subscribe(topic, args.qos)
            else:
                self.subscribed.set()

        self.log_lines = 0
        if args.peer.endswith("-log"):

            def on_log(client, userdata, level, buf):
                self.log_lines += 1

            c.on_log = on_log
        c.on_message = on_message
        c.on_connect = on_connect
        c.on_subscribe = lambda cl, ud, mid, granted: self.subscribed.set()
        c.connect(args.host, args.port, 60)
        c.loop_start()

    def dropped(self):
        return 0

    def close(self):
        self.c.disconnect()
        self.c.loop_stop()


def print_summary(args, mode, counter, cpu0, t0, pub_secs, complete, dropped, thread_name, extra=()):
    """The run's key=value line: rates over the span from the first message
    to the last, CPU per message (the process's over that span, over the
    whole run, and ``<thread_name>_cpu_us_per_msg`` for the thread that ran
    the handler), then ``extra`` pairs."""
    n = counter.received
    span = (counter.t_last - counter.t_first) if n > 1 else float("nan")
    cpu = counter.cpu_last - counter.cpu_first if n > 1 else float("nan")
    # The broker's share of a core while the messages came: near 1, its one
    # thread was saturated.
    broker = float("nan")
    if n == counter.count and n > 1 and None not in (counter.broker_cpu_first, counter.broker_cpu_last):
        broker = (counter.broker_cpu_last - counter.broker_cpu_first) / span
    fields = [
        ("peer", args.peer), ("mode", mode), ("qos", args.qos), ("count", args.count), ("size", args.size),
        ("rate", getattr(args, "rate", 0)), ("secs", "%.3f" % span),
        ("msgs_per_s", "%.0f" % (n / span if n > 1 else 0.0)),
        ("cpu_us_per_msg", "%.2f" % (cpu / max(n, 1) * 1e6)),
        ("cpu_all_us_per_msg", "%.2f" % ((counter.cpu_last - cpu0) / max(n, 1) * 1e6)),
        (thread_name + "_cpu_us_per_msg",
         "%.2f" % ((counter.thread_cpu_last - counter.thread_cpu_first) / max(n, 1) * 1e6)),
        ("setup_ms", "%.1f" % ((counter.t_first - t0) * 1e3 if counter.t_first else float("nan"))),
        ("received", n), ("lost", args.count - n), ("dup", counter.dup), ("bad", counter.bad),
        ("dropped", dropped), ("broker_cpu", "%.2f" % broker),
    ] + list(extra) + [
        ("pub_msgs_per_s", "%.0f" % (args.count / pub_secs) if pub_secs else "nan"),
        ("status", "ok" if complete and counter.dup == 0 and counter.bad == 0 else "incomplete"),
    ]
    print(" ".join("%s=%s" % kv for kv in fields), flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--peer", choices=("tern", "paho", "tern-log", "paho-log", "none"))
    p.add_argument("--qos", type=int, choices=(0, 1), default=0)
    p.add_argument("--count", type=int, default=100000)
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=1883)
    p.add_argument("--backlog", action="store_true", help="drain a queued backlog (else live streaming)")
    p.add_argument("--queue-size", type=int, default=0,
                   help="tern_flask's handler queue (tern_flask._mqtt.QUEUE_SIZE); 0: its default "
                        "(10,000; --count with --prefill); messages beyond it are dropped and reported")
    p.add_argument("--timeout", type=float, default=10.0, help="give up after this many idle seconds")
    p.add_argument("--broker-pid", type=int, default=0,
                   help="the broker's process id: report its share of a core from the first message to the last")
    p.add_argument("--prefill", action="store_true",
                   help="tern, diagnostic: start handling only once every message is queued in the process")
    p.add_argument("--perf", metavar="FILE",
                   help="perf record -g this process (all threads) from just before the receiver starts to the last message")
    p.add_argument("--publish", action="store_true", help=argparse.SUPPRESS)  # the publisher process
    p.add_argument("--topic", help=argparse.SUPPRESS)
    p.add_argument("--rate", type=int, default=0, help=argparse.SUPPRESS)  # the publisher's pace
    args = p.parse_args()
    if args.publish:
        secs = run_publisher(args.host, args.port, args.topic, args.qos, args.count, args.size,
                             "flask-bench-pub-%d" % os.getpid(), args.rate)
        print("pub_secs=%.6f" % secs)
        return 0
    if args.peer is None:
        p.error("--peer is required")
    if args.size < SEQ_DIGITS:
        p.error("--size must be at least %d" % SEQ_DIGITS)

    run_id = "%d-%d" % (os.getpid(), int(time.time() * 1000) % 1000000)
    topic = "bench/flask/%s" % run_id
    client_id = "flask-bench-%s" % run_id
    mode = "backlog" if args.backlog or args.peer == "none" else "live"

    counter = Counter(args.count, args.broker_pid)
    pub_secs = None
    if mode == "backlog":
        prime_session(args, topic, client_id)
        pub_secs = publish(args, topic)
        if args.peer == "none":
            # Drain the queued session so the broker frees it.
            PahoReceiver(args, topic, client_id, counter, clean=False)
            counter.wait(args.timeout)
            print("peer=none mode=backlog qos=%d count=%d size=%d pub_secs=%.3f pub_msgs_per_s=%.0f received=%d"
                  % (args.qos, args.count, args.size, pub_secs, args.count / pub_secs, counter.received))
            return 0
        time.sleep(0.2)  # the broker has queued everything once DISCONNECT was read
    receiver_cls = TernReceiver if args.peer.startswith("tern") else PahoReceiver
    # Imports before the CPU baseline: cpu_all counts the client, not module loading.
    if args.peer.startswith("tern"):
        import flask  # noqa: F401
        import tern_flask  # noqa: F401
    perf = None
    if args.perf:
        perf = subprocess.Popen(["perf", "record", "-q", "-g", "-F", "4000", "-p", str(os.getpid()), "-o", args.perf])
        time.sleep(0.5)  # perf attached
    cpu0 = cpu_seconds()
    t0 = time.perf_counter()
    receiver = receiver_cls(args, topic, client_id, counter, clean=(mode == "live"))
    pub_thread = None
    if mode == "live":
        if not receiver.subscribed.wait(10):
            sys.exit("flask_bench: no SUBACK")
        result = {}
        pub_thread = threading.Thread(target=lambda: result.setdefault("secs", publish(args, topic)))
        pub_thread.start()
    complete = counter.wait(args.timeout)
    if perf is not None:
        perf.send_signal(signal.SIGINT)
        perf.wait()
    if pub_thread is not None:
        pub_thread.join()
        pub_secs = result.get("secs")
    dropped = receiver.dropped()
    receiver.close()

    print_summary(args, mode, counter, cpu0, t0, pub_secs, complete, dropped, "handler_thread",
                  [("log_lines", receiver.log_lines)])
    return 0 if complete else 1

if __name__ == "__main__":
    sys.exit(main())

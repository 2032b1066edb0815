#!/usr/bin/python3
"""Messages per second into an ``async def`` handler, and receiver CPU per
message: tern_asyncio against paho-mqtt 1.6 driven from asyncio (the engine
under aiomqtt).

    /usr/bin/python3 bench/python/asyncio_bench.py --peer tern|tern-loop|tern-now|tern-interval|tern-loop-interval|
        tern-fastapi|paho|wire --qos Q --count N --size 64 --host H --port P [--backlog | --rate R]
        [--read-interval SECS]

Each receiver runs in this process on one asyncio event loop, the way each
library is used there, and every message goes through the same
``async def handler(message)`` (count it, check its sequence number):

- ``tern``: ``async with tern_asyncio.Client(...)``, ``async for message in
  client.messages: await handler(message)`` (the protocol on a C++ thread
  of its own); ``tern-loop`` the same with ``io="loop"`` (the protocol on
  the event loop's thread). Both as configured by default, with the Python
  packages' adaptive read interval (``MQTT_READ_INTERVAL`` ``auto``);
  ``tern-now`` is ``tern`` reading at once (``MQTT_READ_INTERVAL`` 0), and
  ``tern-interval`` and ``tern-loop-interval`` the two with a fixed one
  (``--read-interval``, 0.001 s).
- ``tern-fastapi``: ``tern_fastapi.FastMQTT`` with ``@mqtt.on_message()`` on
  the handler (started with ``await mqtt.startup()``, no web server).
- ``wire`` (``--backlog`` only): no library, a raw socket counting the
  backlog's bytes: what the broker can send, the ceiling of the others.
- ``paho``: ``paho.mqtt.client.Client`` as paho's asyncio example and aiomqtt
  drive it: its socket registered with ``loop.add_reader``/``add_writer``
  calling ``loop_read``/``loop_write``, ``loop_misc`` every second; its
  ``on_message`` puts the message into an ``asyncio.Queue`` that a task
  reads and awaits the handler with (aiomqtt's ``async for``).

The publisher is another process (flask_bench.py's: pre-encoded PUBLISH
packets over a raw socket). --backlog: the receiver's persistent session is
subscribed first, the publisher sends N messages that the broker queues,
then the receiver connects and drains them (run mosquitto with
``max_queued_messages 0``). --rate R: a live stream paced at R messages per
second while the receiver is subscribed. Neither: live at the publisher's
full speed.

Throughput is N over the time from the first to the last message handled;
``cpu_us_per_msg`` is this process's user+system CPU (every thread) over
that interval, per message; ``loop_cpu_us_per_msg`` that of the event
loop's thread alone (paho and tern-loop do their network I/O there; tern on a
thread of its own); with ``--broker-pid``, ``broker_cpu`` the broker's share
of a core over that interval (near 1: its one thread was saturated; how
the receiver reads still changes what each message costs it). One
key=value line per run on stdout.
"""

import argparse
import asyncio
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import flask_bench  # noqa: E402  (the publisher, the handler's counter, the session priming)


async def wait_counted(counter, idle_timeout):
    """Until every message was handled, or none for idle_timeout seconds."""
    last, idle_since = -1, time.monotonic()
    while counter.received < counter.count:
        await asyncio.sleep(0.02)
        if counter.received != last:
            last, idle_since = counter.received, time.monotonic()
        elif time.monotonic() - idle_since > idle_timeout:
            counter.cpu_last = flask_bench.cpu_seconds()
            return False
    return True


class TernReceiver:
    io = "thread"

    def __init__(self, args, topic, client_id, counter, clean):
        self.args, self.topic, self.client_id, self.counter, self.clean = args, topic, client_id, counter, clean

    async def start(self, handler):
        import tern_asyncio

        self.client = tern_asyncio.Client(self.args.host, self.args.port, client_id=self.client_id,
                                          clean_session=self.clean, keepalive=60,
                                          queue_size=max(10000, self.args.count), io=self.io,
                                          config=self.config())
        await self.client.connect()
        if self.clean:
            await self.client.subscribe(self.topic, self.args.qos)

        async def consume():
            async for message in self.client.messages:
                await handler(message)

        self.task = asyncio.get_running_loop().create_task(consume())

    def config(self):
        return {}

    def dropped(self):
        return self.client.status()["dropped"] + self.client.messages.dropped

    async def close(self):
        self.task.cancel()
        await self.client.close()


class FastMqttReceiver(TernReceiver):
    async def start(self, handler):
        import tern_fastapi

        self.mqtt = mqtt = tern_fastapi.FastMQTT(
            hostname=self.args.host, port=self.args.port, client_id=self.client_id, clean_session=self.clean,
            keepalive=60, queue_size=max(10000, self.args.count))

        @mqtt.on_message()
        async def on_message(client, userdata, message):
            await handler(message)

        await mqtt.startup()
        if self.clean:
            await mqtt.client.subscribe(self.topic, self.args.qos)

    def dropped(self):
        s = self.mqtt.status()
        return s.get("dropped", 0) + s["handler_dropped"]

    async def close(self):
        await self.mqtt.shutdown()


class PahoReceiver(TernReceiver):
    """paho-mqtt on the event loop, as paho's examples/loop_asyncio.py and aiomqtt do."""

    async def start(self, handler):
        loop = asyncio.get_running_loop()
        self.queue = queue = asyncio.Queue()
        c = self.c = flask_bench.paho_client(self.client_id, self.clean)
        subscribed = loop.create_future()
        connected = loop.create_future()
        misc = []

        async def misc_loop():
            while c.loop_misc() == 0:
                try:
                    await asyncio.sleep(1)
                except asyncio.CancelledError:
                    break

        def on_socket_open(client, userdata, sock):
            loop.add_reader(sock, client.loop_read)
            misc.append(loop.create_task(misc_loop()))

        def on_socket_close(client, userdata, sock):
            loop.remove_reader(sock)
            for t in misc:
                t.cancel()

        c.on_socket_open = on_socket_open
        c.on_socket_close = on_socket_close
        c.on_socket_register_write = lambda client, userdata, sock: loop.add_writer(sock, client.loop_write)
        c.on_socket_unregister_write = lambda client, userdata, sock: loop.remove_writer(sock)
        c.on_connect = lambda client, userdata, flags, rc: connected.done() or connected.set_result(rc)
        c.on_subscribe = lambda client, userdata, mid, granted: subscribed.done() or subscribed.set_result(granted)
        c.on_message = lambda client, userdata, message: queue.put_nowait(message)
        c.connect(self.args.host, self.args.port, 60)
        rc = await asyncio.wait_for(connected, 10)
        if rc != 0:
            sys.exit("asyncio_bench: paho's CONNACK %d" % rc)
        if self.clean:
            c.subscribe(self.topic, self.args.qos)
            await asyncio.wait_for(subscribed, 10)

        async def consume():
            while True:
                await handler(await queue.get())

        self.task = loop.create_task(consume())

    def dropped(self):
        return 0

    async def close(self):
        self.task.cancel()
        self.c.disconnect()
        await asyncio.sleep(0.05)


class TernLoopReceiver(TernReceiver):
    """tern with ``io="loop"``: the protocol on the event loop's thread."""

    io = "loop"


class TernIntervalReceiver(TernReceiver):
    """tern with ``MQTT_READ_INTERVAL`` (--read-interval): reads at most that often on a busy stream."""

    def config(self):
        return {"MQTT_READ_INTERVAL": self.args.read_interval}


class TernNowReceiver(TernReceiver):
    """tern reading at once, as the C++ client does by default (``MQTT_READ_INTERVAL`` 0)."""

    def config(self):
        return {"MQTT_READ_INTERVAL": 0}


class TernLoopIntervalReceiver(TernIntervalReceiver):
    io = "loop"


class WireReceiver(TernReceiver):
    """No MQTT library: a raw socket that reads the backlog's bytes and
    counts them, parsing nothing (a message is a PUBLISH of known length).
    What the broker can send when the receiver costs next to nothing: the
    ceiling of every receiver's backlog rate on this machine. Its
    ``loop_cpu_us_per_msg`` is that of the thread that drains the socket."""

    async def start(self, handler):
        import socket

        if self.clean:
            sys.exit("asyncio_bench: the wire peer only drains a --backlog")
        s = self.sock = socket.create_connection((self.args.host, self.args.port))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        s.sendall(flask_bench.connect_packet(self.client_id, clean=False))
        body = (len(flask_bench.mqtt_string(self.topic)) + (2 if self.args.qos else 0) + self.args.size)
        per_message = len(flask_bench.packet(0x30, b"x" * body))
        expected = 4 + self.args.count * per_message  # the CONNACK, then the backlog
        counter = self.counter

        def drain():
            got, buf = 0, bytearray(1 << 22)
            while got < expected:
                n = s.recv_into(buf)
                if not n:
                    return
                if counter.t_first is None and got + n > 4:
                    counter.mark_first()
                got += n
                # Reading each write as it comes would wake this thread, and
                # make the broker wake it, per message: let them pile up.
                time.sleep(0.0005)
            counter.received = counter.count  # the summary prints after close() awaited this
            counter.mark_last()

        self.task = asyncio.get_running_loop().run_in_executor(None, drain)

    def dropped(self):
        return 0

    async def close(self):
        self.sock.close()
        await self.task


RECEIVERS = {"tern": TernReceiver, "tern-loop": TernLoopReceiver, "tern-fastapi": FastMqttReceiver,
             "tern-now": TernNowReceiver, "tern-interval": TernIntervalReceiver,
             "tern-loop-interval": TernLoopIntervalReceiver, "paho": PahoReceiver, "wire": WireReceiver}


async def run(args, topic, client_id, mode, counter):
    loop = asyncio.get_running_loop()

    async def handler(message):
        counter.on_message(None, None, message)

    cpu0 = flask_bench.cpu_seconds()
    t0 = time.perf_counter()
    receiver = RECEIVERS[args.peer](args, topic, client_id, counter, clean=(mode != "backlog"))
    await receiver.start(handler)
    pub = None
    if mode != "backlog":
        pub = loop.run_in_executor(None, flask_bench.publish, args, topic)
    complete = await wait_counted(counter, args.timeout)
    pub_secs = await pub if pub is not None else None
    dropped = receiver.dropped()
    await receiver.close()
    return complete, cpu0, t0, pub_secs, dropped


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--peer", choices=sorted(RECEIVERS), required=True)
    p.add_argument("--qos", type=int, choices=(0, 1), default=0)
    p.add_argument("--count", type=int, default=100000)
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=1883)
    p.add_argument("--backlog", action="store_true", help="drain a queued backlog")
    p.add_argument("--rate", type=int, default=0, help="a live stream paced at this many messages per second")
    p.add_argument("--timeout", type=float, default=10.0, help="give up after this many idle seconds")
    p.add_argument("--broker-pid", type=int, default=0,
                   help="the broker's process id: report its share of a core from the first message to the last")
    p.add_argument("--read-interval", type=lambda v: v if v == "auto" else float(v), default=0.001,
                   help="tern-interval's MQTT_READ_INTERVAL, seconds or auto (default 0.001)")
    args = p.parse_args()
    if args.size < flask_bench.SEQ_DIGITS:
        p.error("--size must be at least %d" % flask_bench.SEQ_DIGITS)
    if args.backlog and args.rate:
        p.error("--backlog and --rate exclude each other")

    run_id = "%d-%d" % (os.getpid(), int(time.time() * 1000) % 1000000)
    topic = "bench/asyncio/%s" % run_id
    client_id = "asyncio-bench-%s" % run_id
    mode = "backlog" if args.backlog else "paced" if args.rate else "live"
    counter = flask_bench.Counter(args.count, args.broker_pid)
    if mode == "backlog":
        flask_bench.prime_session(args, topic, client_id)
        flask_bench.publish(args, topic)
        time.sleep(0.2)  # the broker has queued everything once DISCONNECT was read
    # Imports before the CPU baseline: it counts the client, not module loading.
    import paho.mqtt.client  # noqa: F401
    import tern_asyncio  # noqa: F401
    import tern_fastapi  # noqa: F401

    complete, cpu0, t0, pub_secs, dropped = asyncio.run(run(args, topic, client_id, mode, counter))
    flask_bench.print_summary(args, mode, counter, cpu0, t0, pub_secs, complete, dropped, "loop")
    return 0 if complete else 1

if __name__ == "__main__":
    sys.exit(main())

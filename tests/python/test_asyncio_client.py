"""tern_asyncio.Client against the private mosquitto: connecting and
closing, every call and its return value, QoS both ways, a publish that
returns at the broker's acknowledgement, ordered delivery of a burst,
reconnecting with the subscriptions renewed, keep-alive while the event loop
is blocked (in ``io="loop"`` mode by the stand-in thread), the bounded message queue, cancellation, errors, TLS and
WebSocket transports, and batched dispatch on the loop's thread.

Each test runs in both I/O modes (``io="thread"`` and ``io="loop"``), and
runs its coroutine with ``aio.run`` (asyncio.run with a deadline),
so a hang fails instead of blocking the run."""

import asyncio
import gc
import logging
import os
import re
import signal
import subprocess
import threading
import time

import pytest

import tern_asyncio
from aio import blocking, frozen, password_broker, run, settle, take, until
from conftest import eventually
from observe import (FakeServer, LogMark, Sub, connect_line, dead_port, pub_many, read_mqtt_packet,
                     serve_silent, unique)
from tern_asyncio import (Client, ConfigError, MessageStream, MqttCodeError, MqttConnectError, MqttError,
                          SubscriptionRefused)

STATUS_KEYS = {"connected", "reconnects", "inflight", "queued", "dropped", "last_connack_code", "messages_in",
               "messages_out"}


@pytest.fixture(autouse=True, params=[tern_asyncio.IO_THREAD, tern_asyncio.IO_LOOP])
def io_mode(request, monkeypatch):
    """Every test runs twice: with the protocol on its own C++ thread
    (``io="thread"``, the default) and on the event loop's thread
    (``io="loop"``)."""
    defaults = dict(Client.__init__.__kwdefaults__)
    defaults["io"] = request.param
    monkeypatch.setattr(Client.__init__, "__kwdefaults__", defaults)
    return request.param


@pytest.fixture(scope="module")
def auth_broker():
    with password_broker() as b:
        yield b


# ---- connecting and closing ----

def test_async_with_connects_and_leaving_disconnects(broker, topic):
    """``async with`` returns a connected client under its client id; leaving
    sends DISCONNECT, so the broker discards the Will [MQTT-3.14.4-3] (a
    second subscriber sees only a later message), the message stream ends
    and the client refuses further calls."""
    cid = unique("aio")
    will = topic + "/will"

    async def main():
        mark = LogMark(broker)
        with Sub(broker, will) as watcher:
            watcher.ready()
            async with Client(broker.host, broker.port, client_id=cid,
                              config={"MQTT_LAST_WILL_TOPIC": will, "MQTT_LAST_WILL_MESSAGE": "gone"}) as client:
                assert client.connected
                assert client.client_id == cid
                assert connect_line(broker, cid, since=mark) is not None
                assert repr(client).endswith("connected>")
            assert not client.connected
            assert await until(lambda: "Client %s disconnected." % cid in mark.text())
            broker.pub(will, "after")
            assert await blocking(watcher.wait, 1) == ["after"]
        assert [m async for m in client.messages] == []  # ended, not waiting
        with pytest.raises(MqttError, match="closed"):
            await client.publish(topic, "too late")
        with pytest.raises(MqttError, match="closed"):
            client.filtered_messages(topic)
        await client.close()  # idempotent

    run(main())


def test_client_id_when_unset_is_the_generated_one(broker):
    """Without MQTT_CLIENT_ID the client makes up an id ("tern" and 19
    random characters); ``client_id`` is the one the broker knows it by."""
    async def main():
        mark = LogMark(broker)
        async with Client(config=broker.config()) as client:
            assert await until(lambda: "New client connected" in mark.text())
            ids = re.findall(r"New client connected from \S+ as (\S+) ", mark.text())
            assert len(ids) == 1 and ids[0].startswith("tern")
            assert client.client_id == ids[0]

    run(main())


def test_calls_before_connect_raise(broker, topic):
    async def main():
        client = Client(config=broker.config())
        with pytest.raises(MqttError, match="not connected yet"):
            await client.publish(topic, "x")
        await client.connect()
        with pytest.raises(RuntimeError, match="twice"):
            await client.connect()
        await client.close()

    run(main())


# ---- publish, subscribe, unsubscribe ----

def test_publish_payload_types_at_each_qos_reach_a_subscriber(broker, topic):
    """str is sent as UTF-8, bytes as they are, numbers as their text, None as
    an empty payload; QoS 0, 1 and 2 arrive at a QoS 2 subscriber with the
    QoS they were published with [MQTT-3.8.4-6]."""
    sends = [("héllo", 0), (b"raw bytes", 1), (42, 2), (1.5, 0), (None, 1), ("two", 2)]

    async def main():
        with Sub(broker, topic + "/#", qos=2) as sub:
            sub.ready()
            async with Client(config=broker.config()) as client:
                for i, (payload, qos) in enumerate(sends):
                    assert await client.publish("%s/%d" % (topic, i), payload, qos=qos) is None
                got = await blocking(sub.wait, len(sends))
                # By topic: mosquitto_sub prints a QoS 2 message at the PUBREL, after a later QoS 0 one.
                assert sorted(sub.messages, key=lambda m: m[2]) == [
                    (False, 0, topic + "/0", "héllo"), (False, 1, topic + "/1", "raw bytes"),
                    (False, 2, topic + "/2", "42"), (False, 0, topic + "/3", "1.5"),
                    (False, 1, topic + "/4", ""), (False, 2, topic + "/5", "two")], got
                assert client.status()["messages_out"] == len(sends)

    run(main())


def test_messages_keep_the_qos_they_were_published_with(broker, topic):
    """Subscribed at QoS 2, messages published by mosquitto_pub at QoS 0, 1
    and 2 arrive at that QoS [MQTT-3.8.4-6], with their topic and payload;
    a binary payload comes back byte for byte."""
    async def main():
        async with Client(config=broker.config()) as client:
            assert await client.subscribe(topic + "/#", qos=2) == 2
            for qos in (0, 1, 2):
                await blocking(broker.pub, "%s/q%d" % (topic, qos), "at %d" % qos, qos)
            got = await take(client.messages, 3)
            assert [(m.topic, m.payload, m.qos, m.retain) for m in got] == [
                (topic + "/q0", b"at 0", 0, False), (topic + "/q1", b"at 1", 1, False),
                (topic + "/q2", b"at 2", 2, False)]
            assert all(isinstance(m, tern_asyncio.Message) for m in got)
            binary = bytes(range(256))
            await client.publish(topic + "/bin", binary, qos=1)
            [m] = await take(client.messages, 1)
            assert m.payload == binary

    run(main())


def test_subscribe_forms_and_granted_qos(broker, topic):
    """A filter gives the granted QoS as an int, a list gives a list (one
    code per filter, in order [MQTT-3.9.3-1]), a (filter, qos) tuple an int;
    ``topics`` lists them all."""
    async def main():
        async with Client(config=broker.config()) as client:
            assert await client.subscribe(topic + "/a", qos=1) == 1
            assert await client.subscribe([topic + "/b", (topic + "/c", 2)]) == [0, 2]
            assert await client.subscribe((topic + "/d", 1)) == 1
            assert await client.subscribe([topic + "/e"], qos=2) == [2]
            assert client.topics == {topic + "/a": 1, topic + "/b": 0, topic + "/c": 2, topic + "/d": 1,
                                     topic + "/e": 2}

    run(main())


def test_unsubscribe_waits_for_the_unsuback(broker, topic):
    """``unsubscribe`` returns once the UNSUBACK came: with the broker frozen
    it does not return (``timeout`` raises); afterwards messages on the
    topic stop [MQTT-3.10.4-2] while other subscriptions go on; a filter not
    subscribed raises ValueError."""
    async def main():
        async with Client(config=broker.config()) as client:
            await client.subscribe([topic + "/gone", topic + "/kept", topic + "/slow"], qos=1)
            assert await client.unsubscribe(topic + "/gone") is None
            assert topic + "/gone" not in client.topics
            await blocking(broker.pub, topic + "/gone", "not for me", 1)
            await blocking(broker.pub, topic + "/kept", "sentinel", 1)
            [m] = await take(client.messages, 1)
            assert m.topic == topic + "/kept"
            with frozen(broker):
                with pytest.raises(asyncio.TimeoutError):
                    await client.unsubscribe(topic + "/slow", timeout=0.5)
            assert client._unsubscribes == {}
            with pytest.raises(ValueError, match="not subscribed"):
                await client.unsubscribe(topic + "/never")
            with pytest.raises(ValueError, match="not subscribed"):
                await client.unsubscribe(topic + "/gone")

    run(main())


def test_publish_returns_at_the_acknowledgement(broker, topic):
    """QoS 0 completes once written, even to a frozen broker; QoS 1 and 2 wait
    for PUBACK and PUBCOMP, so with the broker frozen ``timeout`` raises
    asyncio.TimeoutError, and a timed-out message is still delivered.
    Right after ``await publish(qos=1)`` nothing is in flight any more."""
    async def main():
        with Sub(broker, topic, qos=2) as sub:
            sub.ready()
            async with Client(config=broker.config()) as client:
                with frozen(broker):
                    await asyncio.wait_for(client.publish(topic, "q0", qos=0), 2)
                    with pytest.raises(asyncio.TimeoutError):
                        await client.publish(topic, "q1", qos=1, timeout=0.5)
                    with pytest.raises(asyncio.TimeoutError):
                        await client.publish(topic, "q2", qos=2, timeout=0.3)
                    assert client.status()["inflight"] == 2
                assert client._publishes == {}
                assert sorted(await blocking(sub.wait, 3)) == ["q0", "q1", "q2"]
                assert await until(lambda: client.status()["inflight"] == 0)
                for qos in (1, 2):
                    await client.publish(topic, "after %d" % qos, qos=qos)
                    assert client.status()["inflight"] == 0
                assert sub.wait(5)[3:] == ["after 1", "after 2"]

    run(main())


def test_bad_arguments_raise_value_error(broker, topic):
    async def main():
        async with Client(config=broker.config()) as client:
            with pytest.raises(ValueError, match="invalid topic 'a/\\+'"):
                await client.publish("a/+", "x")
            with pytest.raises(ValueError, match="invalid topic 'a#'"):
                await client.subscribe("a#")
            with pytest.raises(ValueError, match="QoS"):
                await client.publish(topic, "x", qos=3)
            with pytest.raises(ValueError, match="QoS"):
                await client.subscribe(topic, qos=3)
            with pytest.raises(ValueError, match="a/#/b"):
                client.filtered_messages("a/#/b")
            with pytest.raises(TypeError):
                await client.publish(topic, object())
            assert client.topics == {}
            assert client.connected

    run(main())


def test_subscription_refused_carries_the_subacks_codes():
    """A broker that refuses a filter (0x80 in the SUBACK [MQTT-3.9.3-2])
    makes ``subscribe`` raise SubscriptionRefused naming it, with every
    filter's code in ``granted``."""
    with FakeServer(serve_refusing) as server:
        async def main():
            async with Client("127.0.0.1", server.port) as client:
                assert await client.subscribe("ok/a", qos=1) == 1
                with pytest.raises(SubscriptionRefused, match="'denied/b'") as e:
                    await client.subscribe([("ok/b", 2), ("denied/b", 1)])
                assert e.value.granted == [2, 0x80] and e.value.rc == 0x80
                assert client._subscribes == {}

        run(main())


def serve_refusing(conn, server):
    """Just enough of a broker: CONNACK 0, and a SUBACK refusing filters that start with "denied"."""
    while True:
        ptype, flags, body = read_mqtt_packet(conn)
        if ptype == 1:  # CONNECT
            conn.sendall(b"\x20\x02\x00\x00")
        elif ptype == 8:  # SUBSCRIBE: packet id, then (length, filter, qos)...
            codes, i = [], 2
            while i < len(body):
                n = int.from_bytes(body[i:i + 2], "big")
                codes.append(0x80 if body[i + 2:i + 2 + n].startswith(b"denied") else body[i + 2 + n])
                i += 3 + n
            conn.sendall(bytes([0x90, 2 + len(codes)]) + body[:2] + bytes(codes))
        elif ptype == 12:  # PINGREQ
            conn.sendall(b"\xd0\x00")
        elif ptype == 14:  # DISCONNECT
            return


def test_calls_made_while_the_connection_is_lost_complete_on_the_next(broker, topic):
    """A QoS 1 publish in flight when the connection is lost is sent again
    on the next connection (as documented, clean session or not) and its
    call completes then; a publish and a subscribe made while offline
    complete once connected."""
    async def main():
        async with Client(config=broker.config()) as client:
            try:
                os.kill(broker.proc.pid, signal.SIGSTOP)  # the PUBLISH is never read ...
                in_flight = asyncio.ensure_future(client.publish(topic + "/a", "in flight", qos=1, retain=True))
                assert await until(lambda: client.status()["inflight"] == 1)
                broker.proc.kill()  # ... and lost with the broker
                await blocking(broker.proc.wait)
                broker.proc = None
                assert await until(lambda: not client.connected)
                queued = asyncio.ensure_future(client.publish(topic + "/b", "queued", qos=1, retain=True))
                subscribed = asyncio.ensure_future(client.subscribe(topic + "/c", qos=1))
                await settle()
                assert not (in_flight.done() or queued.done() or subscribed.done())
            finally:
                if broker.proc is None:
                    await blocking(broker.start)
            await asyncio.wait_for(asyncio.gather(in_flight, queued), 10)
            assert await asyncio.wait_for(subscribed, 10) == 1
            with Sub(broker, topic + "/+", qos=1) as sub:  # the retained messages
                assert sorted(await blocking(sub.wait, 2)) == ["in flight", "queued"]
            for t in ("/a", "/b"):
                await client.publish(topic + t, None, qos=1, retain=True)

    run(main())


def test_cancelling_connect_closes_the_client_after_the_attempt():
    """Cancelling ``connect()`` ends the wait at once; the client closes once
    the attempt under way ends (a silent server: MQTT_CONNECTION_TIMEOUT)."""
    with FakeServer(serve_silent) as server:
        async def main():
            client = Client("127.0.0.1", server.port, config={"MQTT_CONNECTION_TIMEOUT": 0.5})
            task = asyncio.ensure_future(client.connect())
            assert await until(lambda: server.accepts)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert not client.connected
            assert await until(lambda: repr(client).endswith("closed>"), timeout=5), repr(client)
            with pytest.raises(MqttError, match="closed"):
                await client.publish("t", "x")

        run(main())


# ---- receiving ----

def test_filtered_messages_take_their_messages(broker, topic):
    """Messages matching an open filtered stream go there and skip
    ``client.messages``; once the stream is closed (leaving ``async with``)
    they reach ``client.messages`` again and its reader's loop ends."""
    async def main():
        async with Client(config=broker.config()) as client:
            await client.subscribe(topic + "/#", qos=1)
            async with client.filtered_messages(topic + "/f/+") as filtered:
                reader = asyncio.ensure_future(take(filtered, 2))
                await client.publish(topic + "/f/1", "f1", qos=1)
                await client.publish(topic + "/other", "o1", qos=1)
                await client.publish(topic + "/f/2", "f2", qos=1)
                assert [m.payload for m in await reader] == [b"f1", b"f2"]
                assert [m.payload for m in await take(client.messages, 1)] == [b"o1"]
                ended = asyncio.ensure_future(take(filtered, 1))
                await settle()  # its reader waits
            assert await ended == []  # closing the stream ended its reader's loop
            await client.publish(topic + "/f/3", "f3", qos=1)
            assert [m.payload for m in await take(client.messages, 1)] == [b"f3"]
            assert len(filtered) == 0

    run(main())


def test_get_nowait_wait_and_status(broker, topic):
    async def main():
        async with Client(config=broker.config()) as client:
            status = client.status()
            assert set(status) == STATUS_KEYS
            assert status["connected"] is True and status["reconnects"] == 0
            assert status["last_connack_code"] == 0
            with pytest.raises(asyncio.QueueEmpty):
                client.messages.get_nowait()
            await client.subscribe(topic, qos=1)
            await blocking(pub_many, broker, topic, ["1", "2", "3"], 1)
            assert await asyncio.wait_for(client.messages.wait(), 10) is True
            assert await until(lambda: len(client.messages) == 3)
            assert [client.messages.get_nowait().payload for _ in range(3)] == [b"1", b"2", b"3"]
            with pytest.raises(asyncio.QueueEmpty):
                client.messages.get_nowait()
            status = client.status()
            assert (status["messages_in"], status["messages_out"], status["dropped"]) == (3, 0, 0)
            assert (status["inflight"], status["queued"]) == (0, 0)

    run(main())


def test_ten_thousand_qos1_messages_in_order(broker, topic):
    """10,000 QoS 1 messages from another client arrive on
    ``client.messages`` in the order they were sent [MQTT-4.6.0-6], none
    lost, none twice."""
    count = 10000

    async def main():
        async with Client(config=broker.config(), queue_size=count + 10) as rx, \
                Client(config=broker.config(MQTT_MAX_INFLIGHT=100)) as tx:
            await rx.subscribe(topic, qos=1)

            async def consume():
                seq = []
                async for m in rx.messages:
                    seq.append(int(m.payload))
                    if len(seq) == count + 1:
                        return seq

            consumer = asyncio.ensure_future(consume())
            for start in range(0, count, 500):
                await asyncio.gather(*(tx.publish(topic, i, qos=1) for i in range(start, start + 500)))
            await tx.publish(topic, -1, qos=1)  # the end: anything duplicated would come before it
            seq = await asyncio.wait_for(consumer, 30)
            assert seq[-1] == -1
            seq = seq[:-1]
            assert seq == list(range(count)), "first difference at %d" % next(
                i for i, (a, b) in enumerate(zip(seq, range(count))) if a != b)
            assert rx.messages.dropped == 0 and rx.status()["dropped"] == 0

    run(main(), timeout=60)


# ---- the connection ----

def test_reconnects_after_a_broker_restart_and_renews_subscriptions(broker, topic):
    """With a clean session the restarted broker knows no subscription
    [MQTT-3.1.2-6]: the client reconnects by itself, subscribes again, and a
    message published after the restart arrives."""
    cid = unique("aio-restart")

    async def main():
        async with Client(config=broker.config(MQTT_CLIENT_ID=cid)) as client:
            await client.subscribe(topic, qos=1)
            before = client.status()["reconnects"]
            mark = LogMark(broker)
            await blocking(broker.restart)
            assert await until(lambda: client.status()["reconnects"] > before and client.connected)
            assert await until(lambda: "%s 1 %s" % (cid, topic) in mark.text()), mark.text()
            await blocking(broker.pub, topic, "after restart", 1)
            [m] = await take(client.messages, 1)
            assert m.payload == b"after restart"
            assert client.topics == {topic: 1}

    run(main())


def _keepalive_survives(broker, topic, pause):
    cid = unique("aio-ka")

    async def main():
        async with Client(config=broker.config(MQTT_KEEPALIVE=1, MQTT_CLIENT_ID=cid)) as client:
            await client.subscribe(topic, qos=1)
            mark = LogMark(broker)
            await blocking(broker.pub, topic, "first", 1)
            got = []
            async for m in client.messages:
                got.append(m.payload)
                if m.payload == b"first":
                    # Messages arrive while the consumer is busy.
                    publisher = subprocess.Popen(["mosquitto_pub", "-h", broker.host, "-p", str(broker.port),
                                                  "-t", topic, "-q", "1", "-l"], stdin=subprocess.PIPE)
                    publisher.communicate(b"during 1\nduring 2\nduring 3\n", timeout=10)
                    await pause()
                if len(got) == 4:
                    break
            assert got == [b"first", b"during 1", b"during 2", b"during 3"]
            status = client.status()
            assert status["reconnects"] == 0 and status["connected"], status
            lines = "\n".join(mark.lines_about(cid))
            assert "Received PINGREQ from %s" % cid in lines, lines  # keep-alive ran while Python was busy
            assert "exceeded timeout" not in lines and "disconnected" not in lines, lines

    run(main())


def test_a_blocked_event_loop_does_not_stall_keepalive(broker, topic):
    """MQTT_KEEPALIVE=1: the broker closes a connection silent for 1.5 s
    [MQTT-3.1.2-24]. A consumer that blocks the event loop for 2.5 s (no
    Python runs at all) loses nothing: keep-alive runs in C++."""
    async def pause():
        time.sleep(2.5)

    _keepalive_survives(broker, topic, pause)


def test_a_slow_async_consumer_does_not_stall_keepalive(broker, topic):
    async def pause():
        await asyncio.sleep(2.5)

    _keepalive_survives(broker, topic, pause)


# ---- the bounded queue ----

@pytest.mark.parametrize("overflow, kept", [("drop_newest", range(0, 10)), ("drop_oldest", range(40, 50))])
def test_a_full_stream_drops_by_its_policy(broker, topic, caplog, overflow, kept):
    """queue_size=10 and 50 messages arrive unread: 10 wait (the first ten,
    or the last ten), 40 are counted in ``dropped``, one WARNING says so."""
    caplog.set_level(logging.WARNING, logger="tern_asyncio")

    async def main():
        async with Client(config=broker.config(), queue_size=10, overflow=overflow) as client:
            await client.subscribe(topic, qos=1)
            await asyncio.gather(*(client.publish(topic, i, qos=1) for i in range(50)))
            assert await until(lambda: client.status()["messages_in"] == 50)
            assert await until(lambda: client.messages.dropped == 40)
            assert len(client.messages) == 10
            got = []
            while len(client.messages):
                got.append(int(client.messages.get_nowait().payload))
            assert got == list(kept)
            assert client.status()["dropped"] == 0  # the C++ queue lost nothing: the stream did

    run(main())
    warnings = [r for r in caplog.records if r.name == "tern_asyncio" and r.levelno == logging.WARNING
                and "is full" in r.getMessage()]
    assert len(warnings) == 1, [r.getMessage() for r in caplog.records]
    assert ("newest" if overflow == "drop_newest" else "oldest") in warnings[0].getMessage()


def test_bad_stream_settings():
    with pytest.raises(ValueError, match="overflow"):
        MessageStream("s", 10, "drop_all")
    with pytest.raises(ValueError, match="queue_size"):
        Client("localhost", queue_size=0)


# ---- cancellation ----

def test_cancelling_a_queued_publish_ends_the_wait_only(broker, topic, caplog):
    """A QoS 1 publish made while the broker is down waits in the client's
    queue; cancelling the waiting task raises CancelledError there, leaves
    nothing behind, logs nothing, and the message is still delivered once
    the broker is back (retained, so the subscriber gets it whenever it
    subscribes)."""
    caplog.set_level(logging.DEBUG)

    async def main():
        async with Client(config=broker.config()) as client:
            try:
                await blocking(broker.stop)
                assert await until(lambda: not client.connected)
                task = asyncio.ensure_future(client.publish(topic, "queued", qos=1, retain=True))
                assert await until(lambda: client._publishes)
                assert client.status()["queued"] == 1
                task.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await task
                assert client._publishes == {}
            finally:
                await blocking(broker.start)
            with Sub(broker, topic, qos=1) as sub:
                assert await blocking(sub.wait, 1) == ["queued"]
            assert await until(lambda: client.status()["inflight"] == 0 and client.status()["queued"] == 0)
            await client.publish(topic, None, qos=1, retain=True)  # clears the retained message
        gc.collect()

    run(main())
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR and r.name != "tern_asyncio"]
    assert errors == [], [r.getMessage() for r in errors]
    assert not [r for r in caplog.records if "never retrieved" in r.getMessage()]


def test_cancelling_a_reader_leaves_the_stream_usable(broker, topic):
    """Cancelling one task waiting in ``async for`` ends that wait only:
    another reader still waits, gets the next message, and so does a new one."""
    async def main():
        async with Client(config=broker.config()) as client:
            await client.subscribe(topic, qos=1)
            first = asyncio.ensure_future(take(client.messages, 1))
            second = asyncio.ensure_future(take(client.messages, 1))
            await settle()  # both wait
            first.cancel()
            with pytest.raises(asyncio.CancelledError):
                await first
            await client.publish(topic, "one", qos=1)
            assert [m.payload for m in await second] == [b"one"]
            await client.publish(topic, "two", qos=1)
            assert [m.payload for m in await take(client.messages, 1)] == [b"two"]
            assert client.messages.dropped == 0

    run(main())


def test_close_fails_a_publish_waiting_offline(broker, topic):
    """``close`` waits MQTT_STOP_LINGER for what was published; a QoS 1
    publish that cannot go (the broker is down) then raises MqttError in its
    task."""
    async def main():
        client = Client(config=broker.config(MQTT_STOP_LINGER=0.5))
        await client.connect()
        try:
            await blocking(broker.stop)
            assert await until(lambda: not client.connected)
            task = asyncio.ensure_future(client.publish(topic, "never", qos=1))
            assert await until(lambda: client._publishes)
            started = time.monotonic()
            await client.close()
            with pytest.raises(MqttError, match="closed before the broker answered"):
                await asyncio.wait_for(task, 5)
            assert time.monotonic() - started < 3
        finally:
            await blocking(broker.start)

    run(main())


# ---- errors ----

def test_bad_configuration_value_raises_config_error(broker):
    async def main():
        client = Client(config=broker.config(MQTT_BROKER_PORT="eighty"))
        with pytest.raises(ConfigError, match="MQTT_BROKER_PORT"):
            await client.connect()
        assert not client.connected
        with pytest.raises(MqttError, match="closed"):
            await client.publish("t", "x")

    run(main())
    assert issubclass(ConfigError, ValueError)


def test_unknown_key_is_logged_with_the_closest_known_one(broker, caplog):
    caplog.set_level(logging.WARNING, logger="tern_asyncio")

    async def main():
        async with Client(broker.host, broker.port, config={"MQTT_BROKER_ULR": "elsewhere"}) as client:
            assert client.connected
            assert await until(lambda: any("did you mean MQTT_BROKER_URL" in r.getMessage()
                                           for r in caplog.records))
    run(main())
    [r] = [r for r in caplog.records if "MQTT_BROKER_ULR" in r.getMessage()]
    assert r.name == "tern_asyncio" and r.levelno == logging.WARNING


def test_a_setting_given_twice_raises_value_error(broker):
    with pytest.raises(ValueError, match="hostname= and MQTT_BROKER_URL"):
        Client(broker.host, config={"MQTT_BROKER_URL": broker.host})
    with pytest.raises(ValueError, match="port= and MQTT_BROKER_PORT"):
        Client(port=broker.port, config={"MQTT_BROKER_PORT": broker.port})
    with pytest.raises(TypeError, match="mapping"):
        Client(config=["MQTT_BROKER_URL"])


def test_unreachable_broker_raises_mqtt_error():
    async def main():
        with dead_port() as port:
            client = Client("127.0.0.1", port, config={"MQTT_CONNECTION_TIMEOUT": 2})
            with pytest.raises(MqttError, match="127.0.0.1:%d" % port) as e:
                await client.connect()
        assert not isinstance(e.value, MqttConnectError)
        assert not client.connected
        with pytest.raises(MqttError, match="closed"):
            await client.subscribe("t")

    run(main())


def test_refused_credentials_raise_mqtt_connect_error(auth_broker):
    """The broker's CONNACK refusal is MqttConnectError with its return code:
    4 (bad user name or password) or 5 (not authorised); the right password
    connects."""
    async def main():
        for creds in ({}, {"MQTT_USERNAME": auth_broker.user, "MQTT_PASSWORD": "wrong"}):
            client = Client(config=auth_broker.config(**creds))
            with pytest.raises(MqttConnectError) as e:
                await client.connect()
            assert e.value.rc in (4, 5), e.value
            assert "CONNACK %d" % e.value.rc in str(e.value)
            assert isinstance(e.value, MqttCodeError) and not client.connected
        async with Client(config=auth_broker.config(MQTT_USERNAME=auth_broker.user,
                                                    MQTT_PASSWORD=auth_broker.password)) as client:
            assert client.connected

    run(main())


# ---- transports ----

@pytest.mark.parametrize("transport", ["tls", "websockets"])
def test_tls_and_websocket_transports(broker, topic, transport):
    if transport == "tls":
        cfg = broker.config(MQTT_BROKER_PORT=broker.tls_port, MQTT_TLS_ENABLED=True, MQTT_TLS_CA_CERTS=broker.ca)
    else:
        cfg = broker.config(MQTT_BROKER_PORT=broker.ws_port, MQTT_TRANSPORT="websockets")

    async def main():
        async with Client(config=cfg) as client:
            assert await client.subscribe(topic, qos=1) == 1
            await client.publish(topic, "over " + transport, qos=1)
            [m] = await take(client.messages, 1)
            assert (m.topic, m.payload, m.qos) == (topic, b"over " + transport.encode(), 1)

    run(main())


# ---- dispatch ----

def test_dispatch_is_batched_on_the_loops_thread(broker, topic, monkeypatch):
    """Messages reach Python in batches, on the event loop's thread (the main
    thread here): 5,000 messages that arrive while the loop is busy cost a
    few wake-ups of its reader, each running up to BATCH of them, not one
    wake-up (or thread hop) per message; and with the loop idle no wake-up
    finds nothing to do."""
    count = 5000
    batches = []  # messages handed to the stream by each run of the reader callback
    threads = set()
    puts = [0]
    ready, put = tern_asyncio._loop.LoopDispatch._ready, MessageStream.put

    def counting_ready(self):
        before = puts[0]
        ready(self)
        batches.append(puts[0] - before)

    def recording_put(self, message):
        threads.add(threading.get_ident())
        puts[0] += 1
        return put(self, message)

    monkeypatch.setattr(tern_asyncio._loop.LoopDispatch, "_ready", counting_ready)
    monkeypatch.setattr(MessageStream, "put", recording_put)

    async def burst(client, publish):
        del batches[:]
        await publish(pub_many, broker, topic, [str(i) for i in range(count)], 0)
        got = []
        async for m in client.messages:
            threads.add(threading.get_ident())
            got.append(int(m.payload))
            if len(got) == count:
                break
        assert got == list(range(count))
        return list(batches)

    async def main():
        # Reads at once: the default's holds on a busy stream end on a timer,
        # and with io="loop" (this test's other mode) the timer's run is a
        # wake-up of the loop that hands no message over.
        async with Client(config=broker.config(MQTT_READ_INTERVAL=0), queue_size=count + 10) as client:
            await client.subscribe(topic, qos=1)

            async def on_the_loop(fn, *args):
                # The loop is blocked until the C++ side has every message queued.
                fn(*args)
                assert eventually(lambda: client.status()["messages_in"] == count)

            busy = await burst(client, on_the_loop)
            idle = await burst(client, blocking)
            return busy, idle

    busy, idle = run(main())
    assert sum(busy) == count and len(busy) < count / 100, busy
    assert max(busy) == tern_asyncio._loop.BATCH, busy
    assert sum(idle) == count and min(idle) >= 1, sorted(idle)[:10]
    assert threads == {threading.main_thread().ident}


def test_read_interval_hands_a_live_stream_over_in_fewer_batches(broker, topic, monkeypatch):
    """``MQTT_READ_INTERVAL``: a stream of one message every 2 ms reaches
    Python in a batch per interval (50 ms here), not one per message as
    without it; all of it, in order."""
    count = 200
    batches = []  # messages handed to the streams by each run of the reader callback
    puts = [0]
    ready, put = tern_asyncio._loop.LoopDispatch._ready, MessageStream.put

    def counting_ready(self):
        before = puts[0]
        ready(self)
        if puts[0] > before:
            batches.append(puts[0] - before)

    def counting_put(self, message):
        puts[0] += 1
        return put(self, message)

    monkeypatch.setattr(tern_asyncio._loop.LoopDispatch, "_ready", counting_ready)
    monkeypatch.setattr(MessageStream, "put", counting_put)

    async def stream(interval):
        async with Client(config=broker.config(MQTT_READ_INTERVAL=interval), queue_size=count + 10) as rx, \
                Client(config=broker.config()) as tx:
            await rx.subscribe(topic, qos=1)
            await asyncio.sleep(0.1)  # the interval after the SUBACK's read is over
            del batches[:]
            for i in range(count):
                await tx.publish(topic, i, qos=1)
                await asyncio.sleep(0.002)
            got = [int(m.payload) for m in await take(rx.messages, count)]
            assert got == list(range(count))
            return list(batches)

    at_once = run(stream(0), timeout=60)
    batched = run(stream(0.05), timeout=60)
    assert sum(at_once) == count and sum(batched) == count, (at_once, batched)
    assert len(at_once) > count / 2, at_once
    assert len(batched) < count / 4, batched

"""tern_fastapi.FastMQTT with FastAPI and Starlette apps: every decorator
and its arguments, plain and ``async def`` handlers run one after another in
arrival order, a handler that raises, Flask-MQTT's return values, a
subscription made before startup, a broker that refuses or is down at
startup, configuration errors, and the lifespan driven directly, as an
async context manager, by Starlette's TestClient and by uvicorn (draining
queued messages at SIGTERM)."""

import asyncio
import logging
import os
import tempfile
import threading

import httpx
import pytest
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from aio import Uvicorn, blocking, frozen, password_broker, run, until
from conftest import eventually
from observe import pub_many, unique
from tern_fastapi import (
    MQTT_ERR_INVAL,
    MQTT_ERR_NO_CONN,
    MQTT_ERR_QUEUED,
    MQTT_ERR_SUCCESS,
    MQTT_LOG_DEBUG,
    MQTT_LOG_ERR,
    MQTT_LOG_INFO,
    MQTT_LOG_WARNING,
    ConfigError,
    FastMQTT,
    TopicQos,
)

HERE = os.path.dirname(os.path.abspath(__file__))


@pytest.fixture(scope="module")
def auth_broker():
    with password_broker() as b:
        yield b


def test_every_decorator_gets_pahos_arguments(broker, topic):
    """on_connect (flags, rc 0), on_subscribe (mid, granted QoS), on_publish
    (the mid publish returned, at the PUBACK), on_message, on_topic taking
    its messages from on_message, on_unsubscribe, on_disconnect (rc 0 at
    shutdown), on_log with all levels and with WARNING|ERR only; ``client``
    is the FastMQTT object."""
    cid = unique("fastapi")
    mqtt = FastMQTT(config=broker.config(MQTT_CLIENT_ID=cid, MQTT_BROKER_ULR="typo"))
    app = FastAPI()
    mqtt.init_app(app)
    events, logs, problems = [], [], []

    @mqtt.on_connect()
    def connected(client, userdata, flags, rc):
        events.append(("connect", client is mqtt, userdata, flags, rc))

    @mqtt.on_disconnect()
    async def disconnected(client, userdata, rc):
        events.append(("disconnect", rc))

    @mqtt.on_message()
    def message(client, userdata, msg):
        events.append(("message", msg.topic, msg.payload, msg.qos))

    @mqtt.on_topic(topic + "/special/#")
    async def special(client, userdata, msg):
        events.append(("topic", msg.topic, msg.payload, msg.qos))

    @mqtt.on_publish()
    def published(client, userdata, mid):
        events.append(("publish", mid))

    @mqtt.on_subscribe()
    def subscribed(client, userdata, mid, granted_qos):
        events.append(("subscribe", mid, list(granted_qos)))

    @mqtt.on_unsubscribe()
    async def unsubscribed(client, userdata, mid):
        events.append(("unsubscribe", mid))

    mqtt.on_log()(lambda client, userdata, level, buf: logs.append((level, buf)))
    mqtt.on_log(MQTT_LOG_WARNING | MQTT_LOG_ERR)(lambda client, userdata, level, buf: problems.append((level, buf)))

    async def main():
        assert app.router.on_startup == [mqtt.startup] and app.router.on_shutdown == [mqtt.shutdown]
        await mqtt.startup()
        assert mqtt.connected and mqtt.client_id == cid
        assert await until(lambda: events)
        assert events == [("connect", True, None, {"session present": 0}, 0)]
        rc, smid = mqtt.subscribe(topic + "/#", qos=1)
        assert rc == MQTT_ERR_SUCCESS
        assert await until(lambda: ("subscribe", smid, [1]) in events), events
        _, pmid1 = mqtt.publish(topic + "/plain", "p", qos=1)
        _, pmid2 = mqtt.publish(topic + "/special/x", "s", qos=1)
        assert await until(lambda: len(events) == 6), events
        assert sorted(events[2:], key=str) == sorted(
            [("publish", pmid1), ("publish", pmid2), ("message", topic + "/plain", b"p", 1),
             ("topic", topic + "/special/x", b"s", 1)], key=str)
        assert events.index(("message", topic + "/plain", b"p", 1)) < events.index(
            ("topic", topic + "/special/x", b"s", 1))
        rc, umid = mqtt.unsubscribe(topic + "/#")
        assert rc == MQTT_ERR_SUCCESS
        assert await until(lambda: ("unsubscribe", umid) in events)
        await mqtt.shutdown()
        assert events[-1] == ("disconnect", 0)
        assert not mqtt.connected

    run(main())
    levels = {level for level, _ in logs}
    assert {MQTT_LOG_INFO, MQTT_LOG_WARNING, MQTT_LOG_DEBUG} <= levels, logs
    assert any("connecting to mqtt://127.0.0.1:%d" % broker.port in buf for _, buf in logs)
    assert any(buf.startswith("Sending PUBLISH") for _, buf in logs)
    assert problems and {level for level, _ in problems} <= {MQTT_LOG_WARNING, MQTT_LOG_ERR}, problems
    assert any("did you mean MQTT_BROKER_URL" in buf for _, buf in problems)


def test_on_connect_registered_while_connected_is_called_at_once(broker):
    mqtt = FastMQTT(config=broker.config())
    calls = []

    async def main():
        async with mqtt.lifespan():
            mqtt.on_connect()(lambda client, userdata, flags, rc: calls.append(rc))
            assert await until(lambda: calls == [0])

    run(main())


def test_plain_and_async_handlers_run_one_after_another_in_arrival_order(broker, topic):
    """An ``async def`` handler is awaited before the next event's handler
    starts, plain or async, so handlers see the messages in the order they
    arrived [MQTT-4.6.0-6] even when an async one sleeps."""
    mqtt = FastMQTT(config=broker.config())
    trace = []

    @mqtt.on_topic(topic + "/slow")
    async def slow(client, userdata, msg):
        trace.append(("start", int(msg.payload)))
        await asyncio.sleep(0.01)
        trace.append(("end", int(msg.payload)))

    @mqtt.on_topic(topic + "/fast")
    def fast(client, userdata, msg):
        trace.append(("plain", int(msg.payload)))

    async def main():
        async with mqtt.lifespan():
            mqtt.subscribe(topic + "/+", qos=1)
            await until(lambda: mqtt.topics)
            for i in range(30):
                await mqtt.client.publish(topic + ("/slow" if i % 3 == 0 else "/fast"), i, qos=1)
            assert await until(lambda: len(trace) == 40), trace

    run(main())
    expected = []
    for i in range(30):
        expected += [("start", i), ("end", i)] if i % 3 == 0 else [("plain", i)]
    assert trace == expected


@pytest.mark.parametrize("kind", ["plain", "async"])
def test_a_handler_that_raises_is_reported_and_the_next_message_handled(broker, topic, caplog, kind):
    """The exception is logged (logger tern_fastapi, ERROR, with the
    traceback) and given to on_log handlers at MQTT_LOG_ERR; the messages
    after it are handled and the connection stays up."""
    caplog.set_level(logging.ERROR, logger="tern_fastapi")
    mqtt = FastMQTT(config=broker.config())
    handled, errors = [], []

    def handler(client, userdata, msg):
        if msg.payload == b"boom":
            raise ZeroDivisionError("the handler failed")
        handled.append(msg.payload)

    if kind == "async":
        async def async_handler(client, userdata, msg):
            await asyncio.sleep(0)
            handler(client, userdata, msg)
        mqtt.on_message()(async_handler)
    else:
        mqtt.on_message()(handler)
    mqtt.on_log(MQTT_LOG_ERR)(lambda client, userdata, level, buf: errors.append((level, buf)))

    async def main():
        async with mqtt.lifespan():
            mqtt.subscribe(topic, qos=1)
            await until(lambda: mqtt.topics)
            for payload in ("one", "boom", "two", "boom", "three"):
                await mqtt.client.publish(topic, payload, qos=1)
            assert await until(lambda: len(handled) == 3 and len(errors) == 2)
            assert mqtt.connected and mqtt.status()["reconnects"] == 0

    run(main())
    assert handled == [b"one", b"two", b"three"]
    assert all(level == MQTT_LOG_ERR and "ZeroDivisionError: the handler failed" in buf for level, buf in errors)
    records = [r for r in caplog.records if r.name == "tern_fastapi" and r.levelno == logging.ERROR]
    assert len(records) == 2 and "raised" in records[0].getMessage()
    assert "Traceback" in records[0].getMessage()


def test_a_full_handler_queue_drops_new_messages(broker, topic, caplog):
    """queue_size=5: while a handler is busy, 5 messages wait and the rest
    are dropped (counted in handler_dropped, one WARNING); the waiting ones
    are handled once it is free, and so are later messages."""
    caplog.set_level(logging.WARNING, logger="tern_fastapi")
    mqtt = FastMQTT(config=broker.config(), queue_size=5)
    handled = []
    gate = None

    @mqtt.on_message()
    async def handler(client, userdata, msg):
        handled.append(int(msg.payload))
        if msg.payload == b"0":
            await gate.wait()

    async def main():
        nonlocal gate
        gate = asyncio.Event()
        async with mqtt.lifespan():
            mqtt.subscribe(topic, qos=1)
            await until(lambda: mqtt.topics)
            await mqtt.client.publish(topic, 0, qos=1)
            assert await until(lambda: handled == [0])
            await asyncio.gather(*(mqtt.client.publish(topic, i, qos=1) for i in range(1, 20)))
            assert await until(lambda: mqtt.status()["messages_in"] == 20)
            assert mqtt.status()["handler_dropped"] == 14
            gate.set()
            assert await until(lambda: len(handled) == 6)
            await mqtt.client.publish(topic, 20, qos=1)
            assert await until(lambda: len(handled) == 7)
        assert handled == [0, 1, 2, 3, 4, 5, 20]

    run(main())
    warnings = [r for r in caplog.records if r.name == "tern_fastapi" and r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "dropping new messages" in warnings[0].getMessage()


def test_remove_handler_and_userdata(broker, topic):
    mqtt = FastMQTT(config=broker.config())
    got = []

    def first(client, userdata, msg):
        got.append(("first", userdata, msg.payload))

    async def second(client, userdata, msg):
        got.append(("second", userdata, msg.payload))

    mqtt.on_message()(first)
    mqtt.on_message()(second)
    mqtt.userdata = {"app": 1}

    async def main():
        async with mqtt.lifespan():
            mqtt.subscribe(topic, qos=1)
            await until(lambda: mqtt.topics)
            await mqtt.client.publish(topic, "both", qos=1)
            assert await until(lambda: len(got) == 2)
            assert mqtt.remove_handler(first) is True and mqtt.remove_handler(first) is False
            await mqtt.client.publish(topic, "second only", qos=1)
            assert await until(lambda: len(got) == 3)

    run(main())
    assert got == [("first", {"app": 1}, b"both"), ("second", {"app": 1}, b"both"),
                   ("second", {"app": 1}, b"second only")]
    assert mqtt.userdata == {"app": 1}


def test_flask_mqtt_return_values(broker, topic):
    """publish, subscribe and unsubscribe return ``(result, mid)`` at once;
    a bad topic or QoS is MQTT_ERR_INVAL; unsubscribing what is not
    subscribed gives None; ``topics`` holds TopicQos."""
    mqtt = FastMQTT(config=broker.config())

    async def main():
        async with mqtt.lifespan():
            rc, mid = mqtt.publish(topic, "x", qos=1)
            assert rc == MQTT_ERR_SUCCESS and isinstance(mid, int) and mid > 0
            assert mqtt.publish("a/+", "x")[0] == MQTT_ERR_INVAL
            assert mqtt.publish(topic, "x", qos=3)[0] == MQTT_ERR_INVAL
            rc, mid = mqtt.subscribe([(topic + "/a", 1), topic + "/b"])
            assert rc == MQTT_ERR_SUCCESS and mid > 0
            assert mqtt.subscribe("a#")[0] == MQTT_ERR_INVAL
            assert mqtt.topics == {topic + "/a": TopicQos(topic + "/a", 1), topic + "/b": TopicQos(topic + "/b", 0)}
            rc, mid = mqtt.unsubscribe(topic + "/a")
            assert rc == MQTT_ERR_SUCCESS and mid > 0
            assert mqtt.unsubscribe(topic + "/a") is None
            assert mqtt.unsubscribe_all() is True and mqtt.topics == {}

    run(main())


def test_subscribe_before_startup_is_applied_once_connected(broker, topic):
    mqtt = FastMQTT(config=broker.config())
    got = []
    mqtt.on_message()(lambda client, userdata, msg: got.append(msg.payload))
    assert mqtt.subscribe(topic, qos=1) == (MQTT_ERR_NO_CONN, None)
    assert mqtt.topics == {topic: TopicQos(topic, 1)}
    granted = []
    mqtt.on_subscribe()(lambda client, userdata, mid, g: granted.append(list(g)))

    async def main():
        async with mqtt.lifespan():
            assert await until(lambda: granted == [[1]])
            await blocking(broker.pub, topic, "hello", 1)
            assert await until(lambda: got == [b"hello"])

    run(main())


def test_refused_credentials_reach_on_connect_and_startup_does_not_raise(auth_broker, caplog):
    caplog.set_level(logging.WARNING)
    mqtt = FastMQTT(config=auth_broker.config(MQTT_USERNAME=auth_broker.user, MQTT_PASSWORD="wrong"))
    codes = []
    mqtt.on_connect()(lambda client, userdata, flags, rc: codes.append(rc))

    async def main():
        async with mqtt.lifespan():
            assert await until(lambda: codes)
            assert codes[0] in (4, 5)
            assert not mqtt.connected
            assert mqtt.status()["last_connack_code"] == codes[0]

    run(main())
    assert any(r.levelno == logging.WARNING and "not reachable" in r.getMessage() for r in caplog.records)


def test_broker_down_at_startup_connects_when_it_comes_up(broker, topic, caplog):
    """startup() logs a WARNING and returns; a QoS 1 message published
    meanwhile is queued (MQTT_ERR_QUEUED), and once the broker is up the
    client connects, on_connect hears rc 0 and the message goes (on_publish)."""
    caplog.set_level(logging.WARNING)
    mqtt = FastMQTT(config=broker.config())
    codes, published = [], []
    mqtt.on_connect()(lambda client, userdata, flags, rc: codes.append(rc))
    mqtt.on_publish()(lambda client, userdata, mid: published.append(mid))

    async def main():
        await blocking(broker.stop)
        try:
            await mqtt.startup()
            assert not mqtt.connected
            rc, mid = mqtt.publish(topic, "while down", qos=1)
            assert rc == MQTT_ERR_QUEUED
        finally:
            await blocking(broker.start)
        assert await until(lambda: mqtt.connected and 0 in codes)
        assert await until(lambda: published == [mid])
        await mqtt.shutdown()

    run(main())
    [warning] = [r for r in caplog.records if r.levelno == logging.WARNING and "not reachable" in r.getMessage()]
    assert "127.0.0.1:%d" % broker.port in warning.getMessage()


def test_bad_configuration_raises_at_startup(broker):
    """The constructor only stores the configuration: the bad value raises
    ConfigError (naming the key) at startup, which leaves no task behind."""
    mqtt = FastMQTT(config=broker.config(MQTT_BROKER_PORT="eighty"))

    async def main():
        with pytest.raises(ConfigError, match="MQTT_BROKER_PORT"):
            await mqtt.startup()
        assert mqtt._runner._task is None
        assert [t for t in asyncio.all_tasks() if t.get_name() == "tern-fastapi-handlers"] == []
        await mqtt.shutdown()

    run(main())


def test_awaiting_client_publish_waits_for_the_puback(broker, topic):
    mqtt = FastMQTT(config=broker.config())

    async def main():
        async with mqtt.lifespan():
            with frozen(broker):
                with pytest.raises(asyncio.TimeoutError):
                    await mqtt.client.publish(topic, "frozen", qos=1, timeout=0.5)
            await mqtt.client.publish(topic, "thawed", qos=1)
            assert mqtt.status()["inflight"] == 0

    run(main())


def test_shutdown_lets_queued_handlers_finish(broker, topic):
    """Messages received before shutdown, still waiting behind a slow async
    handler, are all handled before ``async with mqtt.lifespan(app)`` ends."""
    app = FastAPI()
    mqtt = FastMQTT(config=broker.config())
    handled = []

    @mqtt.on_message()
    async def slow(client, userdata, msg):
        await asyncio.sleep(0.05)
        handled.append(int(msg.payload))

    async def main():
        async with mqtt.lifespan(app):
            mqtt.subscribe(topic, qos=1)
            await until(lambda: mqtt.topics)
            await asyncio.gather(*(mqtt.client.publish(topic, i, qos=1) for i in range(10)))
            assert await until(lambda: mqtt.status()["messages_in"] == 10)
            assert len(handled) < 10
        assert handled == list(range(10))

    run(main())


def test_starlette_lifespan_under_test_client(broker, topic):
    """A bare Starlette app with ``lifespan=mqtt.lifespan``: connected while
    the app runs, a route publishes, the handler runs on the app's loop."""
    mqtt = FastMQTT(config=broker.config())
    got, threads = [], []

    @mqtt.on_message()
    async def message(client, userdata, msg):
        threads.append(threading.get_ident())
        got.append(msg.payload)

    async def publish(request):
        await mqtt.client.publish(topic, request.query_params["payload"], qos=1)
        return JSONResponse({"connected": mqtt.connected, "loop_thread": threading.get_ident()})

    app = Starlette(routes=[Route("/publish", publish, methods=["POST"])], lifespan=mqtt.lifespan)
    mqtt.subscribe(topic, qos=1)
    with TestClient(app) as client:
        assert mqtt.connected
        assert eventually(lambda: mqtt.topics and mqtt.status()["inflight"] == 0)
        r = client.post("/publish", params={"payload": "via starlette"})
        assert r.status_code == 200 and r.json()["connected"] is True
        assert eventually(lambda: got == [b"via starlette"])
        assert threads == [r.json()["loop_thread"]]
    assert not mqtt.connected


def test_fastapi_init_app_under_test_client(broker, topic):
    app = FastAPI()
    mqtt = FastMQTT(config=broker.config())
    mqtt.init_app(app)
    got = []
    mqtt.on_message()(lambda client, userdata, msg: got.append(msg.payload))
    mqtt.subscribe(topic, qos=1)

    @app.post("/publish")
    def publish(payload: str):
        return list(mqtt.publish(topic, payload, qos=1))

    with TestClient(app) as client:
        assert mqtt.connected
        assert eventually(lambda: mqtt.status()["messages_out"] == 0 and mqtt.topics)
        rc, mid = client.post("/publish", params={"payload": "via fastapi"}).json()
        assert rc == MQTT_ERR_SUCCESS and mid > 0
        assert eventually(lambda: got == [b"via fastapi"])
    assert not mqtt.connected


def test_under_uvicorn_sigterm_handles_queued_messages_before_exit(broker, topic):
    """uvicorn runs tests/python/apps/fastapi_app.py: an async handler
    records a message; at SIGTERM, messages still queued behind a slow
    async handler are all handled before the process exits (status 0)."""
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "handled")
        env = dict(os.environ, MQTT_BROKER_URL=broker.host, MQTT_BROKER_PORT=str(broker.port),
                   MQTT_RECONNECT_DELAY_MIN="0.05", MQTT_RECONNECT_DELAY_MAX="0.2", TERN_TEST_TOPIC=topic,
                   TERN_TEST_OUT=out)
        server = Uvicorn("fastapi_app:app", os.path.join(HERE, "apps"), env)
        try:
            server.wait_listening()

            def status():
                return httpx.get(server.url + "/status", timeout=5).json()

            assert eventually(lambda: status()["connected"] and status()["granted"] == [1]), status()

            def handled():
                return open(out).read().split() if os.path.exists(out) else []

            broker.pub(topic + "/a", "fast", qos=1)
            assert eventually(lambda: handled() == ["fast"])
            slow = ["slow-%d" % i for i in range(5)]
            pub_many(broker, topic + "/b", slow, qos=1)
            assert eventually(lambda: status()["messages_in"] == 6)
            assert len(handled()) < 6  # still queued when the signal comes
            assert server.terminate(timeout=10) == 0, server.stop()
            assert handled() == ["fast"] + slow
        finally:
            output = server.stop()
        assert "Traceback" not in output and "ERROR" not in output, output

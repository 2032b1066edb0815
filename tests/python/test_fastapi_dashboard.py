"""The FastAPI dashboard example (examples/fastapi_dashboard/app.py) under
uvicorn against the private broker, driven as its page drives it: the
WebSocket protocol at /mqtt/ws (``ready``, requests with an ``id`` and their
``reply``, ``watch`` and ``message`` events, errors), the Server-Sent Events
stream at /mqtt/events, the HTTP endpoints, the page itself, and stopping
the server while a WebSocket and an event stream are open."""

import asyncio
import base64
import json
import os
import subprocess
import time

import httpx
import pytest
import websockets

from aio import Uvicorn, run
from conftest import eventually
from observe import LogMark, Sub, unique

EXAMPLE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "fastapi_dashboard")


def start_dashboard(broker):
    cid = unique("dash")
    env = dict(os.environ, MQTT_BROKER_URL=broker.host, MQTT_BROKER_PORT=str(broker.port), MQTT_CLIENT_ID=cid,
               MQTT_RECONNECT_DELAY_MIN="0.05", MQTT_RECONNECT_DELAY_MAX="0.2")
    server = Uvicorn("app:app", os.path.abspath(EXAMPLE_DIR), env)
    server.client_id = cid
    server.ws_url = server.url.replace("http://", "ws://") + "/mqtt/ws"
    try:
        server.wait_listening()
        assert eventually(lambda: httpx.get(server.url + "/mqtt/status", timeout=5).json()["connected"]), (
            "the dashboard did not connect:\n" + server.stop())
    except BaseException:
        server.stop()
        raise
    return server


@pytest.fixture(scope="module")
def dashboard(broker):
    server = start_dashboard(broker)
    yield server
    output = server.stop()
    assert "Traceback" not in output, output


class Page:
    """A WebSocket client of the dashboard: ``event()`` is the next event,
    whatever frame it came in (several per frame, one per line)."""

    def __init__(self, ws):
        self.ws = ws
        self.pending = []

    async def event(self, timeout=5.0):
        while not self.pending:
            frame = await asyncio.wait_for(self.ws.recv(), timeout)
            self.pending += [json.loads(line) for line in frame.split("\n")]
        return self.pending.pop(0)

    async def send(self, request):
        await self.ws.send(request if isinstance(request, str) else json.dumps(request))

    async def ask(self, **request):
        """Sends a request and returns its reply (an event of another kind first fails)."""
        await self.send(request)
        event = await self.event()
        assert event["type"] == "reply" and event["id"] == request["id"], event
        return event


async def open_page(dashboard, query=""):
    ws = await websockets.connect(dashboard.ws_url + query)
    page = Page(ws)
    assert await page.event() == {"type": "ready"}
    return page


def watched(broker, dashboard, mark, topic_filter):
    """Waits until the broker applied the dashboard's subscription to ``topic_filter`` (QoS 0)."""
    assert mark.wait_for("%s 0 %s\n" % (dashboard.client_id, topic_filter)), mark.text()


def test_the_page_is_served(dashboard):
    r = httpx.get(dashboard.url + "/", timeout=5)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "EventSource" in r.text


def test_websocket_publish_gets_a_reply(broker, dashboard, topic):
    """``ready`` comes first; a ``publish`` with an id is answered by a
    ``reply`` with that id, status 200 and Flask-MQTT's result; the message
    reaches a mosquitto_sub. A request without an id gets no reply."""
    async def main():
        with Sub(broker, topic, qos=1) as sub:
            sub.ready()
            page = await open_page(dashboard)
            reply = await page.ask(type="publish", id=1, topic=topic, message="from the page", qos=1)
            assert reply["status"] == 200 and reply["result"] == 0 and reply["result_name"] == "MQTT_ERR_SUCCESS"
            assert reply["mid"] > 0
            await page.send({"type": "publish", "topic": topic, "message": "no id", "qos": 1})
            reply = await page.ask(type="status", id="s")
            assert reply["status"] == 200 and reply["connected"] is True  # the next event: no reply for "no id"
            assert sub.wait(2) == ["from the page", "no id"]
            assert sub.messages[0][1] == 1
            await page.ws.close()

    run(main())


def test_websocket_watch_delivers_messages(broker, dashboard, topic, tmp_path):
    """After ``watch``, messages on matching topics come as ``message``
    events: text as UTF-8, a payload that is not UTF-8 in base64; at QoS 0,
    the QoS the watch subscribes with [MQTT-3.8.4-6]. ``unwatch`` stops
    them; unwatching what is not watched is a 404."""
    async def main():
        page = await open_page(dashboard)
        mark = LogMark(broker)
        reply = await page.ask(type="watch", id="w1", topic=topic + "/#")
        assert reply["status"] == 200 and reply["watching"] == [topic + "/#"]
        watched(broker, dashboard, mark, topic + "/#")
        broker.pub(topic + "/text", "hello", qos=1)
        assert await page.event() == {"type": "message", "topic": topic + "/text", "payload": "hello",
                                      "encoding": "utf-8", "qos": 0, "retain": False}
        binary = b"\x00\xff\xfe binary"
        (tmp_path / "payload").write_bytes(binary)
        subprocess.run(["mosquitto_pub", "-h", broker.host, "-p", str(broker.port), "-t", topic + "/bin",
                        "-f", str(tmp_path / "payload")], check=True, timeout=10)
        event = await page.event()
        assert (event["topic"], event["encoding"]) == (topic + "/bin", "base64")
        assert base64.b64decode(event["payload"]) == binary
        reply = await page.ask(type="publish", id=2, topic=topic + "/b64", encoding="base64",
                               message=base64.b64encode(binary).decode())
        assert reply["status"] == 200
        event = await page.event()
        assert (event["topic"], event["encoding"], base64.b64decode(event["payload"])) == (
            topic + "/b64", "base64", binary)
        reply = await page.ask(type="unwatch", id="u1", topic=topic + "/#")
        assert reply["status"] == 200 and reply["watching"] == []
        reply = await page.ask(type="unwatch", id="u2", topic=topic + "/#")
        assert reply["status"] == 404 and "not watching" in reply["error"]
        # Nothing more for this page: the next event is the next reply.
        broker.pub(topic + "/text", "unwatched", qos=1)
        assert (await page.ask(type="status", id="end"))["status"] == 200
        await page.ws.close()

    run(main())


def test_websocket_bad_requests(dashboard, topic):
    async def main():
        page = await open_page(dashboard)
        reply = await page.ask(type="publish", id=1, topic=topic, message="x", bogus=True)
        assert reply["status"] == 400 and "unknown field 'bogus'" in reply["error"]
        reply = await page.ask(type="publish", id=2, topic="a/+", message="x")
        assert reply["status"] == 400 and "invalid topic 'a/+'" in reply["error"]
        reply = await page.ask(type="publish", id=3, topic=topic, qos=3)
        assert reply["status"] == 400 and "qos" in reply["error"]
        reply = await page.ask(type="publish", id=4, topic=topic, message="!!", encoding="base64")
        assert reply["status"] == 400 and "base64" in reply["error"]
        reply = await page.ask(type="watch", id=5, topic="a#")
        assert reply["status"] == 400 and "invalid topic filter" in reply["error"]
        reply = await page.ask(type="frobnicate", id=6)
        assert reply["status"] == 400 and "unknown request type 'frobnicate'" in reply["error"]
        reply = await page.ask(type="unsubscribe", id=7, topic=topic + "/never")
        assert reply["status"] == 404
        await page.send("{not json")
        event = await page.event()
        assert event["type"] == "error" and event["error"].startswith("malformed JSON")
        await page.send("[1, 2]")
        assert await page.event() == {"type": "error", "error": "a request is a JSON object"}
        await page.send({"type": "status", "id": True})
        assert await page.event() == {"type": "error", "error": "'id' must be a number or a string"}
        assert (await page.ask(type="status", id=8))["connected"] is True  # still served
        await page.ws.send(b"\x00binary")
        with pytest.raises(websockets.ConnectionClosed):
            await page.event()
        assert page.ws.close_code == 1003

    run(main())


def test_websocket_with_a_bad_filter_in_the_url_is_refused(dashboard):
    async def main():
        with pytest.raises(websockets.InvalidStatusCode):
            await websockets.connect(dashboard.ws_url + "?topic=a%23")

    run(main())


def test_event_stream_sends_matching_messages_only(broker, dashboard, topic):
    """/mqtt/events?topic=F (repeatable) sends one ``data:`` line of JSON per
    message matching one of its filters: one covered by the app's own
    subscription (QoS 1), one the stream has the app subscribe to (QoS 0).
    Other messages the app receives are not sent."""
    other = "u" + topic[1:]  # outside the app's subscription to topic/#
    async def main():
        async with httpx.AsyncClient(base_url=dashboard.url, timeout=10) as http:
            r = await http.post("/mqtt/subscribe", json={"topic": topic + "/#", "qos": 1})
            assert r.status_code == 200
            mark = LogMark(broker)
            async with http.stream("GET", "/mqtt/events", params=[("topic", topic + "/sse/a"),
                                                                  ("topic", other + "/#")]) as events:
                assert events.status_code == 200
                assert events.headers["content-type"].startswith("text/event-stream")
                chunks = events.aiter_text()
                assert (await chunks.__anext__()).startswith("retry: 2000\n")
                watched(broker, dashboard, mark, other + "/#")
                for t, payload in ((topic + "/sse/b", "no"), (topic + "/sse/a", "yes"), (topic + "/other", "no"),
                                   (other + "/x/y", "yes 2")):
                    r = await http.post("/mqtt/publish", json={"topic": t, "message": payload, "qos": 1})
                    assert r.status_code == 200
                data = []
                text = ""
                while len(data) < 2:
                    text += await asyncio.wait_for(chunks.__anext__(), 5)
                    data = [json.loads(line[len("data: "):]) for line in text.split("\n") if line.startswith("data: ")]
                assert [(d["topic"], d["payload"], d["qos"]) for d in data] == [
                    (topic + "/sse/a", "yes", 1), (other + "/x/y", "yes 2", 0)]
            r = await http.post("/mqtt/unsubscribe", json={"topic": topic + "/#"})
            assert r.status_code == 200
            r = await http.get("/mqtt/events", params={"topic": "a/#/b"})
            assert r.status_code == 400 and "invalid topic filter" in r.json()["error"]

    run(main())


def test_http_endpoints(broker, dashboard, topic):
    """POST /mqtt/publish, /mqtt/subscribe (then listed by GET /mqtt/status),
    /mqtt/unsubscribe (404 when not subscribed), /mqtt/unsubscribe_all; a
    body that is not application/json is a 415, malformed JSON or a bad
    field a 400, an unknown endpoint a 404."""
    with httpx.Client(base_url=dashboard.url, timeout=10) as http, Sub(broker, topic, qos=1) as sub:
        sub.ready()
        r = http.post("/mqtt/publish", json={"topic": topic, "message": "over http", "qos": 1})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["result"] == 0 and body["result_name"] == "MQTT_ERR_SUCCESS" and body["mid"] > 0
        assert sub.wait(1) == ["over http"] and sub.messages[0][1] == 1

        r = http.post("/mqtt/subscribe", json={"topic": topic + "/s", "qos": 1})
        assert r.status_code == 200 and r.json()["result_name"] == "MQTT_ERR_SUCCESS"
        status = http.get("/mqtt/status").json()
        assert {"topic": topic + "/s", "qos": 1} in status["topics"]
        assert status["connected"] is True and status["client_id"] == dashboard.client_id
        r = http.post("/mqtt/unsubscribe", json={"topic": topic + "/s"})
        assert r.status_code == 200
        assert {"topic": topic + "/s", "qos": 1} not in http.get("/mqtt/status").json()["topics"]
        r = http.post("/mqtt/unsubscribe", json={"topic": topic + "/s"})
        assert r.status_code == 404 and "not subscribed" in r.json()["error"]

        http.post("/mqtt/subscribe", json={"topic": topic + "/all"})
        r = http.post("/mqtt/unsubscribe_all", json={})
        assert r.status_code == 200 and topic + "/all" in r.json()["topics"]

        r = http.post("/mqtt/publish", content="topic=x", headers={"content-type": "text/plain"})
        assert r.status_code == 415
        r = http.post("/mqtt/publish", content="{nope", headers={"content-type": "application/json"})
        assert r.status_code == 400 and "malformed JSON" in r.json()["error"]
        r = http.post("/mqtt/publish", json={"topic": topic, "mesage": "typo"})
        assert r.status_code == 400 and "unknown field 'mesage'" in r.json()["error"]
        r = http.post("/mqtt/publish", json={"topic": "a/#"})
        assert r.status_code == 400
        r = http.post("/mqtt/subscribe", json={"topic": topic, "qos": 5})
        assert r.status_code == 400
        assert http.post("/mqtt/nope", json={}).status_code == 404
        assert http.post("/mqtt/status", json={}).status_code == 404


def test_stopping_uvicorn_with_open_streams(broker):
    """SIGTERM ends a WebSocket and an event stream that are still open, and
    uvicorn exits (status 0) within a few seconds instead of waiting for the
    pages to go away."""
    server = start_dashboard(broker)

    async def main():
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
            async with http.stream("GET", "/mqtt/events", params={"topic": "x/#"}) as events:
                chunks = events.aiter_text()
                assert (await chunks.__anext__()).startswith("retry:")
                page = await open_page(server, "?topic=x/%23")
                started = time.monotonic()
                status = await asyncio.get_running_loop().run_in_executor(None, server.terminate, 5)
                assert status == 0, "uvicorn did not stop within 5 s:\n" + server.stop()
                assert time.monotonic() - started < 5
                rest = ""
                async for chunk in chunks:  # the stream ended
                    rest += chunk
                assert "data:" not in rest
                with pytest.raises(websockets.ConnectionClosed):
                    await page.event()

    try:
        run(main())
    finally:
        output = server.stop()
    assert "Traceback" not in output, output

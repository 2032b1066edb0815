"""The live MQTT dashboard on FastAPI, over tern_fastapi.

    MQTT_BROKER_URL=localhost python3 -m uvicorn app:app --app-dir examples/fastapi_dashboard

serves the page of tern's C++ demo (examples/live_dashboard/index.html) and
the HTTP bridge's protocol (docs/web.md) from Python:

- ``GET /mqtt/events?topic=FILTER`` (repeatable): Server-Sent Events, one
  ``data:`` line of JSON per message;
- ``WebSocket /mqtt/ws?topic=FILTER``: the bridge's WebSocket protocol
  (requests ``publish``, ``subscribe``, ``unsubscribe``, ``unsubscribe_all``,
  ``status``, ``watch``, ``unwatch`` with an ``id``; events ``ready``,
  ``reply``, ``message``, ``dropped``, ``error``, several per frame, one per
  line);
- ``POST /mqtt/publish``, ``/mqtt/subscribe``, ``/mqtt/unsubscribe``,
  ``/mqtt/unsubscribe_all`` and ``GET /mqtt/status``, as the C++ bridge's.

Configuration comes from the environment (``MQTT_*`` keys, as tern_flask's).
Each page gets a bounded queue (drop-newest, reported to it as ``dropped``);
a slow page never holds up the others or the MQTT connection.
"""

import asyncio
import base64
import json
import os
from pathlib import Path

from fastapi import FastAPI, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse
from tern_asyncio import MessageStream, topic_matches
from tern_fastapi import MQTT_ERR_NO_CONN, MQTT_ERR_QUEUE_SIZE, MQTT_ERR_QUEUED, MQTT_ERR_SUCCESS, FastMQTT
from tern_flask import _core

PAGE = Path(__file__).resolve().parent.parent / "live_dashboard" / "index.html"
STREAM_QUEUE = 1000  # messages waiting for one page before newer ones are dropped
KEEPALIVE_S = 15.0  # an SSE comment after this much silence, for proxies
RESULT_NAMES = {getattr(_core, n): n for n in dir(_core) if n.startswith("MQTT_ERR_")}

mqtt = FastMQTT(config=os.environ)
app = FastAPI(title="tern live dashboard")
mqtt.init_app(app)


class BadRequest(Exception):
    def __init__(self, text, status=400):
        super().__init__(text)
        self.status = status


# ---- the pages' streams ----------------------------------------------------

class Watcher:
    """One page: the filters it watches and its queue of messages."""

    def __init__(self):
        self.filters = []
        self.stream = MessageStream("page", STREAM_QUEUE, "drop_newest")
        self.reported = 0  # dropped messages already told to the page

    def watch(self, topic_filter):
        if topic_filter in self.filters:
            return
        why = _core.filter_error(topic_filter) if isinstance(topic_filter, str) else "not a string"
        if why:
            raise BadRequest("invalid topic filter %r: %s" % (topic_filter, why))
        mqtt.hold_subscription(topic_filter)
        self.filters.append(topic_filter)

    def unwatch(self, topic_filter):
        if topic_filter not in self.filters:
            raise BadRequest("not watching %r" % (topic_filter,), 404)
        self.filters.remove(topic_filter)
        mqtt.release_subscription(topic_filter)

    def close(self):
        for f in self.filters:
            mqtt.release_subscription(f)
        self.filters = []
        watchers.discard(self)
        self.stream._finish()

    def batch(self):
        """The events waiting now: JSON texts, a ``dropped`` one first if needed."""
        out = []
        if self.stream.dropped > self.reported:
            out.append(("dropped", json.dumps({"dropped": self.stream.dropped - self.reported})))
            self.reported = self.stream.dropped
        while len(self.stream) and len(out) < 256:
            out.append(("message", message_json(self.stream.get_nowait())))
        return out


watchers = set()


@mqtt.on_message()
def fan_out(client, userdata, message):
    # A plain function: it only queues, on the event loop's thread.
    for w in watchers:
        if any(topic_matches(f, message.topic) for f in w.filters):
            w.stream.put(message)


@app.on_event("shutdown")
async def end_streams():
    for w in list(watchers):
        w.close()


# uvicorn runs the shutdown handlers only once every connection has closed,
# and an event stream stays open as long as its page does: stopping the
# server would wait for every open page. So the pages' streams end as soon
# as uvicorn is told to exit (as sse-starlette does).
_loop = None


@app.on_event("startup")
async def remember_loop():
    global _loop
    _loop = asyncio.get_running_loop()


def _end_streams_when_uvicorn_exits():
    try:
        from uvicorn.server import Server
    except ImportError:
        return
    handle_exit = Server.handle_exit

    def handle_exit_ending_streams(self, sig, frame):
        if _loop is not None and not _loop.is_closed():
            _loop.call_soon_threadsafe(lambda: [w.close() for w in list(watchers)])
        return handle_exit(self, sig, frame)

    Server.handle_exit = handle_exit_ending_streams


_end_streams_when_uvicorn_exits()


def message_json(m):
    try:
        payload, encoding = m.payload.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        payload, encoding = base64.b64encode(m.payload).decode("ascii"), "base64"
    return json.dumps({"topic": m.topic, "payload": payload, "encoding": encoding, "qos": m.qos,
                       "retain": bool(m.retain)}, separators=(",", ":"))


# ---- requests: one implementation for HTTP and the WebSocket ---------------

def fields(body, allowed, required=()):
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object")
    for k in body:
        if k not in allowed:
            raise BadRequest("unknown field %r (expected: %s)" % (k, ", ".join(allowed)))
    for k in required:
        if k not in body:
            raise BadRequest("missing field %r" % k)
    return body


def qos_of(body):
    q = body.get("qos", 0)
    if q not in (0, 1, 2) or isinstance(q, bool):
        raise BadRequest("field 'qos' must be 0, 1 or 2")
    return q


def result(r, status=200):
    rc, mid = r
    return status, {"result": rc, "result_name": RESULT_NAMES.get(rc, "MQTT_ERR_UNKNOWN"), "mid": mid or 0}


def do_publish(body):
    fields(body, ("topic", "message", "qos", "retain", "encoding"), ("topic",))
    topic, message = body["topic"], body.get("message", "")
    why = _core.topic_error(topic) if isinstance(topic, str) else "not a string"
    if why:
        raise BadRequest("invalid topic %r: %s" % (topic, why))
    encoding = body.get("encoding", "utf-8")
    if isinstance(message, bool) or not isinstance(message, (str, int, float)):
        raise BadRequest("field 'message' must be a string or a number")
    if encoding == "base64":
        try:
            message = base64.b64decode(message, validate=True)
        except Exception:
            raise BadRequest("field 'message' is not valid base64")
    elif encoding != "utf-8":
        raise BadRequest("field 'encoding' must be \"utf-8\" or \"base64\"")
    if not isinstance(body.get("retain", False), bool):
        raise BadRequest("field 'retain' must be true or false")
    r = mqtt.publish(topic, message, qos_of(body), body.get("retain", False))
    ok = r[0] in (MQTT_ERR_SUCCESS, MQTT_ERR_QUEUED)
    return result(r, 200 if ok else 503 if r[0] in (MQTT_ERR_QUEUE_SIZE, MQTT_ERR_NO_CONN) else 400)


def do_subscribe(body):
    fields(body, ("topic", "qos"), ("topic",))
    topic = body["topic"]
    why = _core.filter_error(topic) if isinstance(topic, str) else "not a string"
    if why:
        raise BadRequest("invalid topic filter %r: %s" % (topic, why))
    return result(mqtt.subscribe(topic, qos_of(body)))


def do_unsubscribe(body):
    fields(body, ("topic",), ("topic",))
    r = mqtt.unsubscribe(body["topic"]) if isinstance(body["topic"], str) else None
    if r is None:
        raise BadRequest("not subscribed to %r" % (body["topic"],), 404)
    return result(r)


def do_unsubscribe_all(body):
    fields(body, ())
    topics = sorted(mqtt.topics)
    mqtt.unsubscribe_all()
    return 200, {"ok": True, "topics": topics}


def do_status(body=None):
    s = mqtt.status()
    s.update(client_id=mqtt.client_id, last_error=mqtt.last_error(),
             topics=[{"topic": t, "qos": q.qos} for t, q in sorted(mqtt.topics.items())],
             streams={"open": len(watchers), "dropped": sum(w.stream.dropped for w in watchers)})
    return 200, s


ACTIONS = {"publish": do_publish, "subscribe": do_subscribe, "unsubscribe": do_unsubscribe,
           "unsubscribe_all": do_unsubscribe_all, "status": do_status}


def answer(action, body):
    try:
        return ACTIONS[action](body)
    except BadRequest as e:
        return e.status, {"error": str(e)}


# ---- HTTP ------------------------------------------------------------------

@app.get("/")
async def page():
    return FileResponse(PAGE, media_type="text/html")


@app.get("/mqtt/status")
async def status():
    code, body = do_status()
    return JSONResponse(body, code)


@app.post("/mqtt/{action}")
async def post(action: str, request: Request):
    if action not in ACTIONS or action == "status":
        return JSONResponse({"error": "no endpoint /mqtt/%s" % action}, 404)
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        return JSONResponse({"error": "the request body must be application/json"}, 415)
    try:
        body = json.loads(await request.body())
    except ValueError as e:
        return JSONResponse({"error": "malformed JSON: %s" % e}, 400)
    code, out = answer(action, body)
    return JSONResponse(out, code)


def open_watcher(filters):
    w = Watcher()
    try:
        for f in filters:
            w.watch(f)
    except BadRequest:
        w.close()
        raise
    watchers.add(w)
    return w


@app.get("/mqtt/events")
async def events(request: Request):
    try:
        w = open_watcher(request.query_params.getlist("topic") or ["#"])
    except BadRequest as e:
        return JSONResponse({"error": str(e)}, e.status)

    async def body():
        try:
            yield "retry: 2000\n: tern event stream\n\n"
            while True:
                try:
                    if not await asyncio.wait_for(w.stream.wait(), KEEPALIVE_S):
                        return  # the server is stopping
                except asyncio.TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                yield "".join(("event: dropped\ndata: %s\n\n" if kind == "dropped" else "data: %s\n\n") % text
                              for kind, text in w.batch())
        finally:
            w.close()

    return StreamingResponse(body(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


# ---- the WebSocket ---------------------------------------------------------

def ws_request(w, text):
    """One request from a page: the reply's fields, or None for no reply."""
    try:
        req = json.loads(text)
    except ValueError as e:
        return {"type": "error", "error": "malformed JSON: %s" % e}
    if not isinstance(req, dict):
        return {"type": "error", "error": "a request is a JSON object"}
    rid = req.pop("id", None)
    if rid is not None and (isinstance(rid, bool) or not isinstance(rid, (int, float, str))):
        return {"type": "error", "error": "'id' must be a number or a string"}
    kind = req.pop("type", None)
    if kind in ("watch", "unwatch"):
        try:
            fields(req, ("topic",), ("topic",))
            (w.watch if kind == "watch" else w.unwatch)(req["topic"])
            code, out = 200, {"watching": list(w.filters)}
        except BadRequest as e:
            code, out = e.status, {"error": str(e)}
    elif kind in ACTIONS:
        code, out = answer(kind, req)
    else:
        code, out = 400, {"error": "unknown request type %r" % (kind,)}
    if rid is None:
        return None
    return {"type": "reply", "id": rid, "status": code, **out}


@app.websocket("/mqtt/ws")
async def socket(ws: WebSocket):
    try:
        w = open_watcher(ws.query_params.getlist("topic"))  # none: nothing until it asks
    except BadRequest:
        await ws.close(code=1008)
        return
    await ws.accept()
    replies = []
    wake = asyncio.Event()

    async def read():
        while True:
            msg = await ws.receive()
            if msg["type"] == "websocket.disconnect":
                return
            if msg.get("text") is None:
                await ws.close(code=1003)  # binary messages are not part of the protocol
                return
            reply = ws_request(w, msg["text"])
            if reply is not None:
                replies.append(json.dumps(reply, separators=(",", ":")))
                wake.set()

    async def write():
        await ws.send_text('{"type":"ready"}')
        while True:
            stream_wait = asyncio.ensure_future(w.stream.wait())
            woken = asyncio.ensure_future(wake.wait())
            done, _ = await asyncio.wait({stream_wait, woken}, return_when=asyncio.FIRST_COMPLETED)
            stream_wait.cancel()
            woken.cancel()
            wake.clear()
            lines = replies[:]
            replies.clear()
            lines += ['{"type":"%s",%s' % (kind, text[1:]) for kind, text in w.batch()]
            if lines:
                await ws.send_text("\n".join(lines))
            elif stream_wait in done and not stream_wait.result():
                await ws.close(code=1001)  # the server is stopping
                return

    reader, writer = asyncio.ensure_future(read()), asyncio.ensure_future(write())
    try:
        await asyncio.wait({reader, writer}, return_when=asyncio.FIRST_COMPLETED)
    except WebSocketDisconnect:
        pass
    finally:
        for t in (reader, writer):
            t.cancel()
        w.close()

"""tern_asyncio.Client: an asyncio MQTT client over tern's C++ client."""

import asyncio
import logging
import weakref

from tern_flask import _config, _core
from tern_flask._core import (
    MQTT_ERR_NO_CONN,
    MQTT_ERR_NOT_FOUND,
    MQTT_ERR_QUEUED,
    MQTT_ERR_SUCCESS,
    MQTT_LOG_ERR,
    MQTT_LOG_WARNING,
    Core,
)
from tern_flask._api import LOGGING_LEVELS, payload_bytes, topic_list

from ._errors import CONNACK_TEXT, MqttCodeError, MqttConnectError, MqttError, SubscriptionRefused
from ._loop import LoopDispatch
from ._stream import DROP_NEWEST, MessageStream

log = logging.getLogger("tern_asyncio")

# The C++ side's own queue of handler events, in front of the streams. The
# loop empties it a batch per turn, so it fills only while the loop is
# blocked; beyond it, messages are dropped and counted (status()["dropped"]).
CORE_QUEUE_SIZE = 65536

# Where the protocol runs (the ``io`` argument): on the event loop's thread,
# inside the same wake-up as the handlers; or on a thread of its own.
IO_LOOP = "loop"
IO_THREAD = "thread"

_RESULT_NAMES = {getattr(_core, n): n for n in dir(_core) if n.startswith("MQTT_ERR_")}

# The constructor's named settings, and the configuration keys they stand for.
_NAMED_KEYS = {
    "hostname": "BROKER_URL",
    "port": "BROKER_PORT",
    "username": "USERNAME",
    "password": "PASSWORD",
    "client_id": "CLIENT_ID",
    "keepalive": "KEEPALIVE",
    "clean_session": "CLEAN_SESSION",
    "transport": "TRANSPORT",
    "websocket_path": "WEBSOCKET_PATH",
    "protocol_version": "PROTOCOL_VERSION",
}


def _result_error(what, rc):
    return MqttCodeError(rc, "%s: %s" % (what, _RESULT_NAMES.get(rc, "MQTT_ERR_UNKNOWN")))


def configuration(config, prefix, named):
    """The ``<prefix>_*`` entries of ``config`` (any mapping: a dict, an
    app's settings, ``os.environ``) plus the named settings; a setting given
    both ways is an error."""
    if config is not None and not hasattr(config, "items"):
        raise TypeError("config must be a mapping of %s_* keys, not %s" % (prefix, type(config).__name__))
    cfg = _config.snapshot(config or {}, prefix)
    for name, value in named.items():
        if value is None:
            continue
        key = "%s_%s" % (prefix, _NAMED_KEYS[name])
        if key in cfg:
            raise ValueError("%s= and %s are both given; give one" % (name, key))
        cfg[key] = value
    return cfg


class _Pending:
    """A call waiting for the broker's answer, by message id."""

    __slots__ = ("future", "filters", "sent")

    def __init__(self, future, filters=None, sent=False):
        self.future = future
        self.filters = filters
        self.sent = sent  # on the wire (so a lost connection ends the wait)


class Client:
    """An asyncio MQTT 3.1/3.1.1 client, as aiomqtt's::

        async with tern_asyncio.Client("localhost") as client:
            await client.subscribe("home/#", qos=1)
            async for message in client.messages:
                print(message.topic, message.payload)

    The protocol runs in C++ (it reconnects with backoff and renews the
    subscriptions); everything Python sees happens on the event loop's
    thread. ``io="thread"`` (the default): the protocol runs on a C++
    thread of its own, which hands messages to the loop in batches; it
    reads ahead while the loop is busy. ``io="loop"``: the C++ client's
    network I/O and timers run on the event loop's thread, when its socket
    is ready: one thread wake-up instead of two per read, for about a tenth
    less CPU per message on a live stream behind a broker with Nagle's
    algorithm on, and more behind one that sends each packet at once or
    when draining a backlog (docs/performance.md); it reads only while fewer
    than 1,024 messages wait for the loop. Should the loop be blocked for
    more than 200 ms, a C++ stand-in thread serves the connection
    (keep-alive, acknowledgements, reads) until it is free again. Settings are the configuration keys of tern_flask and the C++
    facade (``MQTT_BROKER_URL``, ``MQTT_TLS_*``, ``MQTT_TRANSPORT``, ...)
    given in ``config`` (any mapping: unknown ``MQTT_*`` keys are logged
    with the closest known one, bad values raise ``ConfigError``), or, for
    the common ones, as arguments.

    ``client.messages`` holds the messages that no `filtered_messages`
    stream takes, in a queue of ``queue_size`` with the ``overflow`` policy
    (see `MessageStream`); ``messages=False`` leaves it out.
    ``mqtt_logging``: every log line of the client goes to Python's logging
    (logger ``tern_asyncio``); warnings and errors always do.
    """

    def __init__(self, hostname=None, port=None, *, username=None, password=None, client_id=None,
                 keepalive=None, clean_session=None, transport=None, websocket_path=None,
                 protocol_version=None, config=None, config_prefix="MQTT", queue_size=10000,
                 overflow=DROP_NEWEST, messages=True, mqtt_logging=False, io=IO_THREAD):
        named = {k: v for k, v in locals().items() if k in _NAMED_KEYS}
        if io not in (IO_LOOP, IO_THREAD):
            raise ValueError("tern_asyncio: io must be %r or %r, not %r" % (IO_LOOP, IO_THREAD, io))
        self._prefix = config_prefix
        self._cfg = configuration(config, config_prefix, named)
        self._queue_size = queue_size
        self._overflow = overflow
        self._messages = MessageStream("messages", queue_size, overflow) if messages else None
        self._streams = set()
        self._publishes = {}
        self._subscribes = {}
        self._unsubscribes = {}
        self._loop = None
        self._dispatch = None
        self._state = "new"  # new, connecting, connected, closing, closed
        self._core = core = Core(False, bool(mqtt_logging), config_prefix, CORE_QUEUE_SIZE, io == IO_LOOP)
        core.set_owner(self)
        # Bound through a weak reference: the core's handlers must not keep
        # the client alive (its destructor closes the core).
        ref = weakref.ref(self)

        def event(method):
            def handler(*args):
                me = ref()
                if me is not None:
                    method(me, *args[2:])  # without paho's (client, userdata)
            return handler

        core.add("publish", event(Client._published))
        core.add("subscribe", event(Client._subscribed))
        core.add("unsubscribe", event(Client._unsubscribed))
        core.add("connect", event(Client._connected))
        core.add("disconnect", event(Client._disconnected))
        verbose = bool(mqtt_logging)

        def forward_log(client, userdata, level, buf):
            log.log(LOGGING_LEVELS.get(level, logging.INFO), "%s", buf)

        core.add("log", forward_log, "full", 0x1F if verbose else MQTT_LOG_WARNING | MQTT_LOG_ERR)
        if self._messages is not None:
            core.add("message", self._messages.put, "message")

    def __repr__(self):
        return "<tern_asyncio.Client %s %s>" % (_config.broker_text(self._cfg, self._prefix), self._state)

    # ---- connecting and closing ----

    async def __aenter__(self):
        await self.connect()
        return self

    async def __aexit__(self, *exc):
        await self.close()

    async def connect(self):
        """Connects; returns once the broker accepted (CONNACK 0). Raises
        `MqttConnectError` (with the CONNACK's code) when it refused,
        `MqttError` when it could not be reached within
        ``MQTT_CONNECTION_TIMEOUT``, ``ConfigError`` for a bad setting.
        After a failure the client is closed. Once connected, it reconnects
        by itself whenever the connection is lost."""
        await self._start(raise_on_failure=True)

    async def _start(self, raise_on_failure):
        if self._state != "new":
            raise RuntimeError("tern_asyncio: connect() called twice on one client")
        self._state = "connecting"
        loop = self._loop = asyncio.get_running_loop()
        self._dispatch = LoopDispatch(self._core, loop)
        # init_app waits for the first connection attempt (CONNACK or
        # failure): on a worker thread, while the loop runs the handlers.
        attempt = loop.run_in_executor(None, self._core.init_app, self._cfg, self._prefix)
        try:
            await asyncio.shield(attempt)
        except asyncio.CancelledError:
            # The attempt goes on in its thread; close once it has ended
            # (whatever its outcome: the caller no longer waits for it).
            def ended(f):
                if not f.cancelled():
                    f.exception()  # retrieved: a ConfigError here has no one to tell
                loop.create_task(self.close())

            attempt.add_done_callback(ended)
            raise
        except BaseException:
            await self.close()
            raise
        if self._core.connected:
            self._state = "connected"
            return
        where = _config.broker_text(self._cfg, self._prefix)
        rc = self._core.status()["last_connack_code"]
        why = self._core.last_error() or "no answer"
        if not raise_on_failure:
            self._state = "connected"  # reconnecting in the background
            log.warning("tern_asyncio: the MQTT broker at %s is not reachable (%s); connecting in the background",
                        where, why)
            return
        await self.close()
        if rc in CONNACK_TEXT:
            raise MqttConnectError(rc, "the MQTT broker at %s refused the connection: %s (CONNACK %d)"
                                   % (where, CONNACK_TEXT[rc], rc))
        raise MqttError("cannot connect to the MQTT broker at %s: %s" % (where, why))

    async def close(self):
        """Disconnects: what was published is delivered within
        ``MQTT_STOP_LINGER`` (5 s) and its ``publish`` calls complete; those
        still waiting then raise `MqttError`, as do subscribe and unsubscribe
        calls still waiting. The message streams end once read empty.
        Idempotent."""
        if self._state in ("closing", "closed"):
            return
        self._state = "closing"
        core = self._core
        loop = asyncio.get_running_loop()
        try:
            if self._dispatch is not None:
                await loop.run_in_executor(None, core.stop)
                self._dispatch.drain()  # the stop's own events: PUBACKs that came in time
        finally:
            self._fail_pending(MqttError("tern_asyncio: the client closed before the broker answered"))
            if self._dispatch is not None:
                self._dispatch.stop()
            await loop.run_in_executor(None, core.close)
            self._state = "closed"
            for stream in list(self._streams) + ([self._messages] if self._messages is not None else []):
                stream._finish()

    def _fail_pending(self, error, only_sent=False, tables=None):
        for table in tables or (self._publishes, self._subscribes, self._unsubscribes):
            for mid, p in list(table.items()):
                if only_sent and not p.sent:
                    continue
                del table[mid]
                if not p.future.done():
                    p.future.set_exception(error)

    # ---- the core's events (on the loop's thread, inside a batch) ----

    def _published(self, mid):
        self._resolve(self._publishes, mid, None)

    def _subscribed(self, mid, granted):
        p = self._subscribes.pop(mid, None)
        if p is None or p.future.done():
            return  # a renewal after a reconnect, or a subscribe nobody waits for
        if 0x80 in granted:
            p.future.set_exception(SubscriptionRefused(p.filters, granted))
        else:
            p.future.set_result(list(granted))

    def _unsubscribed(self, mid):
        self._resolve(self._unsubscribes, mid, None)

    def _connected(self, flags, rc):
        if rc == 0:
            # What waited for the connection is sent now.
            for table in (self._subscribes, self._unsubscribes):
                for p in table.values():
                    p.sent = True

    def _disconnected(self, rc):
        # A SUBSCRIBE or UNSUBSCRIBE on the wire gets no answer on the next
        # connection; the subscriptions themselves are renewed after it.
        self._fail_pending(MqttCodeError(rc, "tern_asyncio: the connection was lost before the broker answered "
                                             "(the subscriptions are renewed once reconnected)"),
                           only_sent=True, tables=(self._subscribes, self._unsubscribes))

    @staticmethod
    def _resolve(table, mid, value):
        p = table.pop(mid, None)
        if p is not None and not p.future.done():
            p.future.set_result(value)

    # ---- publish and subscribe ----

    def _check_open(self):
        if self._state not in ("connecting", "connected"):
            raise MqttError("tern_asyncio: the client is %s" % ("not connected yet" if self._state == "new" else "closed"))

    async def _wait(self, table, mid, pending, timeout):
        table[mid] = pending
        try:
            if timeout is None:
                return await pending.future
            return await asyncio.wait_for(pending.future, timeout)
        finally:
            # Cancelled or timed out: stop waiting. The request itself was
            # handed to the client and goes ahead.
            if table.get(mid) is pending:
                del table[mid]

    async def publish(self, topic, payload=None, qos=0, retain=False, *, timeout=None):
        """Publishes and returns once it is complete: QoS 0 written to the
        connection, QoS 1 PUBACK, QoS 2 PUBCOMP. While offline the message
        waits in the client's queue (``MQTT_MAX_QUEUED``) and the call
        completes once it went. ``payload``: bytes, str (UTF-8), a number
        (its text) or None. Raises `MqttCodeError` for a full queue
        (``MQTT_ERR_QUEUE_SIZE``) and ``ValueError`` for a bad topic or QoS.
        Cancelling the call (or ``timeout``) ends the wait only: the message
        is on its way and is still delivered."""
        self._check_open()
        data = payload_bytes(payload)
        rc, mid = self._core.publish(topic, data, qos, retain)
        if rc not in (MQTT_ERR_SUCCESS, MQTT_ERR_QUEUED):
            self._raise_invalid_topic(topic, qos, _core.topic_error)
            raise _result_error("publish to %r" % topic, rc)
        await self._wait(self._publishes, mid, _Pending(self._loop.create_future()), timeout)

    async def subscribe(self, topic, qos=0, *, timeout=None):
        """Subscribes to a filter, a ``(filter, qos)`` tuple or a list of
        them, and returns the granted QoS once the SUBACK came: an int for
        one filter, a list for a list. Raises `SubscriptionRefused` when the
        broker refused a filter, ``ValueError`` for a bad filter or QoS.
        Offline, the SUBSCRIBE is sent once connected and the call waits for
        it; a connection lost before the SUBACK raises `MqttCodeError` (the
        subscription is still renewed when reconnected: it stays in
        ``topics``). Cancelling ends the wait only."""
        self._check_open()
        topics = topic_list(topic, qos)
        for f, q in topics:
            self._raise_invalid_topic(f, q, _core.filter_error)
        rc, mid = self._core.subscribe(topics)
        if rc not in (MQTT_ERR_SUCCESS, MQTT_ERR_NO_CONN) or mid == 0:
            raise _result_error("subscribe to %s" % ", ".join(repr(f) for f, _ in topics), rc)
        pending = _Pending(self._loop.create_future(), [f for f, _ in topics], sent=rc == MQTT_ERR_SUCCESS)
        granted = await self._wait(self._subscribes, mid, pending, timeout)
        return granted if isinstance(topic, list) else granted[0]

    async def unsubscribe(self, topic, *, timeout=None):
        """Unsubscribes from a filter given to `subscribe` and returns once
        the UNSUBACK came. Raises ``ValueError`` when it is not subscribed."""
        self._check_open()
        rc, mid = self._core.unsubscribe(topic)
        if rc == MQTT_ERR_NOT_FOUND:
            raise ValueError("tern_asyncio: not subscribed to %r" % (topic,))
        if rc not in (MQTT_ERR_SUCCESS, MQTT_ERR_NO_CONN):
            raise _result_error("unsubscribe from %r" % topic, rc)
        if mid == 0:
            return  # nothing to send: another holder keeps the broker's subscription
        await self._wait(self._unsubscribes, mid, _Pending(self._loop.create_future(), sent=rc == MQTT_ERR_SUCCESS),
                         timeout)

    @staticmethod
    def _raise_invalid_topic(topic, qos, check):
        if not isinstance(topic, str):
            raise TypeError("tern_asyncio: a topic is a str, not %s" % type(topic).__name__)
        if qos not in (0, 1, 2):
            raise ValueError("tern_asyncio: QoS must be 0, 1 or 2, not %r" % (qos,))
        why = check(topic)
        if why:
            raise ValueError("tern_asyncio: invalid topic %r: %s" % (topic, why))

    # ---- receiving ----

    @property
    def messages(self):
        """The `MessageStream` of messages no filtered stream takes."""
        if self._messages is None:
            raise RuntimeError("tern_asyncio: this client was made with messages=False")
        return self._messages

    def filtered_messages(self, topic_filter, *, queue_size=None, overflow=None):
        """A `MessageStream` of the messages matching ``topic_filter``
        (wildcards and ``$share/<group>/`` allowed), from now until it is
        closed; use it as ``async with client.filtered_messages("a/#") as
        messages: async for m in messages: ...``. Those messages skip
        ``client.messages``. It does not subscribe: call `subscribe` too."""
        self._raise_invalid_topic(topic_filter, 0, _core.filter_error)
        if self._state in ("closing", "closed"):
            raise MqttError("tern_asyncio: the client is closed")
        stream = MessageStream(topic_filter, queue_size or self._queue_size, overflow or self._overflow)
        hid = self._core.add_topic(topic_filter, stream.put, "message")

        def unregister(s):
            self._streams.discard(s)
            if not self._core.closed:
                self._core.remove(hid)

        stream._on_close = unregister
        self._streams.add(stream)
        return stream

    # ---- state ----

    @property
    def connected(self):
        """Whether the connection is up now."""
        return self._state == "connected" and self._core.connected

    @property
    def topics(self):
        """The subscriptions: ``{filter: qos}``."""
        return dict(self._core.topics()) if not self._core.closed else {}

    @property
    def client_id(self):
        return self._core.client_id() if not self._core.closed else ""

    def status(self):
        """connected, reconnects, inflight, queued, dropped (by the C++
        queue, before the streams), last_connack_code, messages_in,
        messages_out."""
        return self._core.status()

    def last_error(self):
        """Why the last connection attempt or connection failed; '' if none did."""
        return self._core.last_error()

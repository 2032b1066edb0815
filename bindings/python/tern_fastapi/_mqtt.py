"""tern_fastapi.FastMQTT: Flask-MQTT's API for FastAPI and Starlette apps."""

import contextlib
import weakref

from tern_flask._api import FlaskMqttApi, TopicQos, call_form
from tern_asyncio import Client
from tern_asyncio._stream import DROP_NEWEST

from ._handlers import HandlerRunner


class FastMQTT(FlaskMqttApi):
    """An MQTT client that lives as long as an ASGI app::

        mqtt = FastMQTT(config={"MQTT_BROKER_URL": "localhost"})
        app = FastAPI()
        mqtt.init_app(app)          # connects at startup, drains at shutdown

        @mqtt.on_connect()
        def connected(client, userdata, flags, rc):
            mqtt.subscribe("home/#")

        @mqtt.on_message()
        async def message(client, userdata, message):
            await store(message.topic, message.payload)

    Handlers take Flask-MQTT's (paho's) arguments and may be plain or
    ``async def``; they run in order on the app's event loop (see
    ``_handlers``); one that raises is logged, and reported to ``on_log``
    handlers at MQTT_LOG_ERR. ``publish``, ``subscribe`` and ``unsubscribe`` return
    Flask-MQTT's ``(result, mid)`` at once; ``await mqtt.client.publish(...)``
    (a `tern_asyncio.Client`) waits for the broker. Configuration: the
    ``MQTT_*`` keys of tern_flask in ``config`` (any mapping, such as
    ``os.environ`` or a settings object's dict) and/or the named settings of
    `tern_asyncio.Client`.
    """

    def __init__(self, config=None, *, config_prefix="MQTT", queue_size=10000, mqtt_logging=False,
                 drain_timeout=5.0, **settings):
        self.client = Client(config=config, config_prefix=config_prefix, queue_size=queue_size,
                             overflow=DROP_NEWEST, messages=False, mqtt_logging=mqtt_logging, **settings)
        self.drain_timeout = drain_timeout
        self.app = None
        self._core = self.client._core
        self._core.set_owner(self)
        self._runner = HandlerRunner(queue_size)
        self._registrations = []  # Registration
        self._started = False

    # ---- the app's lifespan ----

    def init_app(self, app):
        """Connects at the app's startup and disconnects at its shutdown
        (``app.add_event_handler``: FastAPI and Starlette)."""
        self.app = app
        app.add_event_handler("startup", self.startup)
        app.add_event_handler("shutdown", self.shutdown)

    @contextlib.asynccontextmanager
    async def lifespan(self, app=None):
        """The same as an async context manager, for ``lifespan=`` (Starlette,
        newer FastAPI) or to nest in your own lifespan."""
        await self.startup()
        try:
            yield
        finally:
            await self.shutdown()

    async def startup(self):
        """Starts the handlers and connects: waits for the first connection
        attempt; if the broker is unreachable, logs a WARNING and keeps
        connecting in the background (``on_connect`` handlers hear of every
        CONNACK, refusals included). Raises ``ConfigError`` for a bad key."""
        if self._started:
            return
        self._started = True
        self._runner.start()
        try:
            await self.client._start(raise_on_failure=False)
        except BaseException:
            await self._runner.stop()
            raise

    async def shutdown(self):
        """Delivers what was published (within ``MQTT_STOP_LINGER``),
        disconnects, then lets the handlers finish the events that arrived
        (at most ``drain_timeout`` seconds)."""
        if not self._started:
            return
        self._started = False
        try:
            await self.client.close()
            await self._runner.drain(self.drain_timeout)
        finally:
            await self._runner.stop()

    # ---- handlers: the decorators are FlaskMqttApi's ----

    def _add_handler(self, kind, fn, topic, levels):
        if kind == "topic":
            return self._core.add_topic(topic, self._runner.wrap(fn, droppable=True))
        wrapped = self._runner.wrap(fn, droppable=kind == "message")
        hid = self._core.add(kind, wrapped, call_form(kind, fn), levels)
        if kind == "log":
            self._runner.log_handlers.append((fn, weakref.ref(self)))
        return hid

    def _handler_removed(self, fn):
        self._runner.log_handlers = [h for h in self._runner.log_handlers if h[0] is not fn]

    @property
    def userdata(self):
        return self._core.userdata

    @userdata.setter
    def userdata(self, value):
        self._core.set_userdata(value)

    # ---- publish and subscribe: FlaskMqttApi's, which return at once;
    # ``await mqtt.client.publish(...)`` waits for the broker ----

    def hold_subscription(self, topic_filter, qos=0):
        """Makes sure the messages of ``topic_filter`` arrive, on behalf of
        something that shows them (a WebSocket, an event stream): the
        broker is subscribed until the last holder calls
        `release_subscription`, unless a subscription of the application
        already covers the filter. Not listed in ``topics``; renewed after
        reconnects. Returns False for an invalid filter or QoS."""
        return self._core.hold_subscription(topic_filter, qos)

    def release_subscription(self, topic_filter):
        """Gives back one `hold_subscription` of ``topic_filter``."""
        self._core.release_subscription(topic_filter)

    @property
    def topics(self):
        """``{filter: TopicQos(filter, qos)}``."""
        return {t: TopicQos(t, q) for t, q in self.client.topics.items()}

    # ---- state ----

    @property
    def connected(self):
        return self.client.connected

    @property
    def client_id(self):
        return self.client.client_id

    def status(self):
        """The client's counters (see tern_asyncio.Client.status) plus
        ``handler_dropped``: messages the handler queue dropped."""
        s = self.client.status() if not self._core.closed else {"connected": False}
        s["handler_dropped"] = self._runner.dropped
        return s

    def last_error(self):
        return self.client.last_error()

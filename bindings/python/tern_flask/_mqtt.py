"""tern_flask.Mqtt: Flask-MQTT's Mqtt class over tern::web::mqtt."""

import atexit
import inspect
import logging
import os
import sys
import typing
import weakref

from . import _config, _dispatch, _process
from ._core import (
    MQTT_ERR_NO_CONN,
    MQTT_ERR_NOT_FOUND,
    MQTT_ERR_SUCCESS,
    MQTT_LOG_DEBUG,
    MQTT_LOG_ERR,
    MQTT_LOG_INFO,
    MQTT_LOG_NOTICE,
    MQTT_LOG_WARNING,
    Core,
)

log = logging.getLogger("tern_flask")

_LOGGING_LEVELS = {
    MQTT_LOG_DEBUG: logging.DEBUG,
    MQTT_LOG_INFO: logging.INFO,
    MQTT_LOG_NOTICE: logging.INFO,
    MQTT_LOG_WARNING: logging.WARNING,
    MQTT_LOG_ERR: logging.ERROR,
}

# Handler events (messages, log lines) that may wait for the dispatcher;
# beyond this, new messages are dropped and counted (status()["dropped"]).
QUEUE_SIZE = 10000

_UNSET = object()


class TopicQos(typing.NamedTuple):
    """Container for topic + qos, as Flask-MQTT's."""

    topic: str
    qos: int


def _payload_bytes(payload):
    """paho's payload rules: None is empty, str is UTF-8, numbers their text."""
    if payload is None:
        return b""
    if isinstance(payload, bytes):
        return payload
    if isinstance(payload, str):
        return payload.encode("utf-8")
    if isinstance(payload, (bytearray, memoryview)):
        return bytes(payload)
    if isinstance(payload, (int, float)):
        return str(payload).encode("ascii")
    raise TypeError("payload must be a string, bytearray, int, float or None.")


def _topic_list(topic, qos):
    """subscribe()'s argument forms: a string, a (topic, qos) tuple, or a list
    of either."""
    if isinstance(topic, str):
        return [(topic, qos)]
    if isinstance(topic, tuple):
        t, q = topic
        return [(t, q)]
    if isinstance(topic, list):
        out = []
        for item in topic:
            out.extend(_topic_list(item, qos))
        if not out:
            raise ValueError("subscribe: an empty list of topics")
        return out
    raise ValueError("subscribe: topic must be a string, a (topic, qos) tuple or a list of them")


# The shorter argument lists that older releases called handlers with:
# Flask-MQTT before 1.3 called on_disconnect handlers with none, paho-mqtt
# before 1.3 called on_connect(client, userdata, rc) when it took three.
# Other kinds always had paho's arguments.
_FULL_ARGS = {"connect": 4, "disconnect": 3}
_SHORT_FORMS = {"connect": (("no_flags", 3),), "disconnect": (("none", 0),)}


def _takes(signature, n):
    try:
        signature.bind(*(None,) * n)
    except TypeError:
        return False
    return True


def _call_form(kind, fn):
    """Which arguments a handler gets, read once from its signature so that
    dispatch never inspects: paho's ("full") whenever it takes them, so a
    handler with ``*args`` or defaults gets everything; a short form only
    when that is all it takes."""
    forms = _SHORT_FORMS.get(kind)
    if forms is None:
        return "full"
    try:
        signature = inspect.signature(fn)
    except Exception:  # unreadable (some C callables, a bad __signature__): paho's, as Flask-MQTT 1.3
        return "full"
    if _takes(signature, _FULL_ARGS[kind]):
        return "full"
    for form, n in forms:
        if _takes(signature, n):
            return form
    return "full"


class _Refused:
    """Stands in for the core in a child process that must not use the parent's client."""

    def __init__(self, why):
        self._why = why
        self.closed = True
        self.connected = False

    def __getattr__(self, name):
        raise RuntimeError(self._why)


class Mqtt:
    """Flask-MQTT's ``Mqtt``: ``Mqtt(app)``, or ``Mqtt()`` then ``init_app(app)``.

    ``connect_async``: not given, ``init_app`` waits for the first connection
    attempt and, if the broker is unreachable, logs a warning and keeps
    connecting in the background; ``True`` returns at once; ``False`` (given
    explicitly) waits and raises ``ConnectionError`` saying why if the first
    attempt fails. ``mqtt_logging``: every log line also goes to Python's
    logging (logger ``tern_flask``); warnings and errors always do.
    """

    def __init__(self, app=None, connect_async=_UNSET, mqtt_logging=False, config_prefix="MQTT"):
        self.app = None
        self.connect_async = connect_async
        self.mqtt_logging = mqtt_logging
        self.config_prefix = config_prefix
        self._registrations = []  # (kind, filter, fn, id): replayed after fork()
        self._cfg = None  # (config snapshot, prefix) once initialised
        self._fork_topics = []
        self._dormant = False  # closed in a process that serves nothing; forks still start afresh
        self._dispatcher = None
        self._userdata = None
        self._core = self._new_core()
        if app is not None:
            self.init_app(app)

    # ---- setup ----

    def _new_core(self):
        core = Core(bool(self.connect_async is True), bool(self.mqtt_logging), self.config_prefix, QUEUE_SIZE)
        core.set_owner(self)
        core.set_userdata(self._userdata)
        ref = weakref.ref(self)

        def forward_log(client, userdata, level, buf):
            me = ref()
            if me is not None and (me.mqtt_logging or level in (MQTT_LOG_WARNING, MQTT_LOG_ERR)):
                log.log(_LOGGING_LEVELS.get(level, logging.INFO), "%s", buf)

        # Warnings and errors always reach Python's logging; everything else
        # only with mqtt_logging. Registered for those levels alone, so that
        # paho's per-packet DEBUG lines are made only when someone reads them
        # (an on_log handler of the app, or mqtt_logging).
        problems = MQTT_LOG_WARNING | MQTT_LOG_ERR
        core.add("log", forward_log, "full", 0x1F if self.mqtt_logging else problems)
        return core

    def init_app(self, app, config_prefix=None):
        """Reads the ``<prefix>_*`` keys of ``app.config`` and connects."""
        prefix = config_prefix or self.config_prefix
        if self._cfg is not None:
            raise RuntimeError("tern_flask: init_app called twice on one Mqtt")
        cfg = _config.snapshot(app.config, prefix)
        # A ConfigError leaves everything as it was: init_app may be called again.
        self._start(app, cfg, prefix)
        self.app = app
        self.config_prefix = prefix
        self._cfg = (cfg, prefix)
        _process.track(self)
        if self.connect_async is True or self._core.connected:
            return
        why = self._core.last_error() or "no answer"
        where = _config.broker_text(cfg, prefix)
        if self.connect_async is False:
            self._close()
            raise ConnectionError("tern_flask: cannot connect to the MQTT broker at %s: %s" % (where, why))
        log.warning(
            "tern_flask: the MQTT broker at %s is not reachable (%s); the app starts anyway and "
            "connects when the broker is up; subscriptions are applied then",
            where,
            why,
        )

    def _start(self, app, cfg, prefix):
        # The dispatcher starts first, so that with eventlet it is already
        # waiting in the hub while init_app blocks: the log lines of the
        # connection then reach on_log handlers registered right after
        # Mqtt(app), as the reference's examples do. After a ConfigError the
        # same dispatcher serves the next init_app (one per core).
        if self._dispatcher is None or self._dispatcher.core is not self._core:
            self._dispatcher = _dispatch.Dispatcher(self._core, app)
            self._dispatcher.start()
        else:
            self._dispatcher.app = app
        self._core.init_app(cfg, prefix)

    # ---- handlers (decorators, as Flask-MQTT's) ----

    def _register(self, kind, fn, topic=None):
        if kind == "topic":
            hid = self._core.add_topic(topic, fn)
        else:
            hid = self._core.add(kind, fn, _call_form(kind, fn))
        self._registrations.append((kind, topic, fn, hid))
        return fn

    def _decorator(self, kind, topic=None):
        def decorator(fn):
            return self._register(kind, fn, topic)

        return decorator

    def on_connect(self):
        """``handler(client, userdata, flags, rc)``, or ``handler(client, userdata, rc)``
        (paho before 1.3); also called at once if already connected."""
        return self._decorator("connect")

    def on_disconnect(self):
        """``handler(client, userdata, rc)``, or ``handler()`` (Flask-MQTT before 1.3)."""
        return self._decorator("disconnect")

    def on_message(self):
        """``handler(client, userdata, message)`` for messages no ``on_topic`` handler takes."""
        return self._decorator("message")

    def on_publish(self):
        """``handler(client, userdata, mid)``."""
        return self._decorator("publish")

    def on_subscribe(self):
        """``handler(client, userdata, mid, granted_qos)``."""
        return self._decorator("subscribe")

    def on_unsubscribe(self):
        """``handler(client, userdata, mid)``."""
        return self._decorator("unsubscribe")

    def on_log(self):
        """``handler(client, userdata, level, buf)``."""
        return self._decorator("log")

    def on_topic(self, topic):
        """``handler(client, userdata, message)`` for messages matching ``topic``
        (wildcards and ``$share/<group>/`` allowed); they skip ``on_message``."""
        return self._decorator("topic", topic)

    def remove_handler(self, fn):
        """Unregisters every registration of ``fn``; returns whether there was one."""
        found = False
        for reg in [r for r in self._registrations if r[2] is fn]:
            self._core.remove(reg[3])
            self._registrations.remove(reg)
            found = True
        return found

    @property
    def userdata(self):
        """What handlers get as ``userdata`` (paho's ``user_data_set``)."""
        return self._userdata

    @userdata.setter
    def userdata(self, value):
        self._userdata = value
        self._core.set_userdata(value)

    # ---- publish and subscribe ----

    def publish(self, topic, payload=None, qos=0, retain=False):
        """Returns ``(result, mid)``: MQTT_ERR_SUCCESS; MQTT_ERR_QUEUED while
        offline (sent once connected); MQTT_ERR_QUEUE_SIZE when the offline
        queue is full; MQTT_ERR_INVAL for a bad topic or QoS."""
        return self._core.publish(topic, _payload_bytes(payload), qos, retain)

    def subscribe(self, topic, qos=0):
        """Subscribes to a topic, a ``(topic, qos)`` tuple or a list of them.
        Returns ``(result, mid)``; while offline ``(MQTT_ERR_NO_CONN, mid)``
        and the subscription is applied once connected."""
        return self._core.subscribe(_topic_list(topic, qos))

    def unsubscribe(self, topic):
        """Returns ``(result, mid)``, or None if ``topic`` is not subscribed (as Flask-MQTT)."""
        result = self._core.unsubscribe(topic)
        if result[0] == MQTT_ERR_NOT_FOUND:
            return None
        return result

    def unsubscribe_all(self):
        """Unsubscribes every topic in ``topics``; True if all went."""
        ok = True
        for topic in list(self.topics):
            r = self.unsubscribe(topic)
            ok = ok and r is not None and r[0] in (MQTT_ERR_SUCCESS, MQTT_ERR_NO_CONN)
        return ok

    @property
    def topics(self):
        """The subscriptions: ``{topic: TopicQos(topic, qos)}``."""
        return {t: TopicQos(t, q) for t, q in self._core.topics()}

    # ---- state ----

    @property
    def connected(self):
        return self._core.connected

    @property
    def client_id(self):
        return self._core.client_id()

    def status(self):
        """connected, reconnects, inflight, queued, dropped, last_connack_code,
        messages_in, messages_out."""
        return self._core.status()

    def last_error(self):
        """Why the last connection attempt or connection failed; '' if none did."""
        return self._core.last_error()

    def wait_idle(self, timeout=5.0):
        """Waits until no handler event waits or runs; returns whether idle."""
        return self._core.wait_idle(timeout)

    def disconnect(self):
        """Sends DISCONNECT (no Will) and stops reconnecting."""
        self._core.disconnect()

    def close(self):
        """Stops: what was published is delivered within ``MQTT_STOP_LINGER``
        (5 s), then DISCONNECT; ``on_publish`` runs for what went out and one
        ERR log line names the message ids that did not. Then the handler
        dispatcher stops; the object is unusable afterwards. Runs at exit too."""
        self._close()

    def _close(self):
        core = self._core
        if not core.closed:
            try:
                core.stop()
                # The stop's own events, before the dispatcher goes. No handler
                # can run once the interpreter is finalizing.
                if self._dispatcher is not None and not sys.is_finalizing():
                    self._dispatcher.drain(2.0)
            except RuntimeError:  # a child after fork(): the client is the parent's
                pass
            if self._dispatcher is not None:
                self._dispatcher.before_close()
            core.close()
        if self._dispatcher is not None:
            self._dispatcher.join(2.0)

    def __del__(self):
        try:
            self._close()
        except Exception:
            pass

    # ---- processes (see _process.py) ----

    def _before_fork(self):
        core = self._core
        if not core.closed:  # a dormant one keeps what it had
            self._fork_topics = core.topics()

    def _after_fork_in_child(self):
        if self._cfg is None or isinstance(self._core, _Refused):
            return
        if self._core.closed and not self._dormant:
            return  # closed by the application: stays closed
        cfg, prefix = self._cfg
        parent = self._core
        if not _config.client_id_is_per_process(cfg, prefix):
            self._core = _Refused(
                "tern_flask: this Mqtt was initialised in another process with the fixed client id %r; "
                "a second process with the same id would make the broker disconnect the first. "
                "Put {pid} in %s_CLIENT_ID, or create the Mqtt in this process" % (cfg.get(prefix + "_CLIENT_ID"), prefix)
            )
            log.warning("%s", self._core._why)
            return
        # The parent's core is dropped here: its C++ side notices the fork
        # and leaks its state on purpose (its threads exist only in the parent).
        del parent
        self.connect_async = True  # never block the code that forked
        self._core = self._new_core()
        for kind, topic, fn, _ in list(self._registrations):
            self._registrations.remove((kind, topic, fn, _))
            self._register(kind, fn, topic)
        if self._fork_topics:
            self._core.subscribe(self._fork_topics)
        self._dormant = False
        self._start(self.app, cfg, prefix)
        log.info("tern_flask: process %d (a fork) connects with its own MQTT client", os.getpid())

    def _forks_start_afresh(self):
        """Whether a fork of this process gets a client of its own (the
        client id is per-process), rather than refusing."""
        return self._cfg is not None and _config.client_id_is_per_process(*self._cfg)

    def _go_dormant(self):
        """Closes the client of a process that serves nothing (the reloader's
        watcher, gunicorn's master) and keeps what a fork needs to start
        afresh. Returns whether it was connected or connecting until now."""
        if self._dormant or self._cfg is None or self._core.closed:
            return False
        self._before_fork()  # the subscriptions, for the processes forked later
        self._dormant = True
        self._close()
        return True


@atexit.register
def _close_all():
    # A clean DISCONNECT at interpreter exit: no Will for a normal shutdown.
    for m in list(_process._instances):
        try:
            m._close()
        except Exception:
            pass

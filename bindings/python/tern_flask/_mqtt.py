"""tern_flask.Mqtt: Flask-MQTT's Mqtt class over tern::web::mqtt."""

import atexit
import logging
import os
import sys
import weakref

from . import _config, _dispatch, _process
from ._api import ALL_LOG_LEVELS, LOGGING_LEVELS, FlaskMqttApi, TopicQos, call_form
from ._core import MQTT_LOG_ERR, MQTT_LOG_WARNING, Core

log = logging.getLogger("tern_flask")

# Handler events (messages, log lines) that may wait for the dispatcher;
# beyond this, new messages are dropped and counted (status()["dropped"]).
QUEUE_SIZE = 10000

_UNSET = object()


class _Refused:
    """Stands in for the core in a child process that must not use the parent's client."""

    def __init__(self, why):
        self._why = why
        self.closed = True
        self.connected = False

    def __getattr__(self, name):
        raise RuntimeError(self._why)


class Mqtt(FlaskMqttApi):
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
        self._registrations = []  # Registration: replayed after fork()
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
                log.log(LOGGING_LEVELS.get(level, logging.INFO), "%s", buf)

        # Warnings and errors always reach Python's logging; everything else
        # only with mqtt_logging. Registered for those levels alone, so that
        # paho's per-packet DEBUG lines are made only when someone reads them
        # (an on_log handler of the app, or mqtt_logging).
        problems = MQTT_LOG_WARNING | MQTT_LOG_ERR
        core.add("log", forward_log, "full", ALL_LOG_LEVELS if self.mqtt_logging else problems)
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

    # ---- handlers: the decorators are FlaskMqttApi's ----

    def _add_handler(self, kind, fn, topic, levels):
        if kind == "topic":
            return self._core.add_topic(topic, fn)
        return self._core.add(kind, fn, call_form(kind, fn), levels)

    @property
    def userdata(self):
        """What handlers get as ``userdata`` (paho's ``user_data_set``)."""
        return self._userdata

    @userdata.setter
    def userdata(self, value):
        self._userdata = value
        self._core.set_userdata(value)

    # ---- publish and subscribe: FlaskMqttApi's ----

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
        registrations, self._registrations = self._registrations, []
        for reg in registrations:
            self._register(reg.kind, reg.fn, reg.topic, reg.levels)
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

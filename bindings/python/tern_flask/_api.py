"""What tern_flask.Mqtt and tern_fastapi.FastMQTT share: Flask-MQTT's
names, its argument forms and return values, and its handler decorators."""

import inspect
import logging
import typing

from ._core import (
    MQTT_ERR_ACL_DENIED,
    MQTT_ERR_AGAIN,
    MQTT_ERR_AUTH,
    MQTT_ERR_CONN_LOST,
    MQTT_ERR_CONN_REFUSED,
    MQTT_ERR_ERRNO,
    MQTT_ERR_INVAL,
    MQTT_ERR_KEEPALIVE,
    MQTT_ERR_NO_CONN,
    MQTT_ERR_NOMEM,
    MQTT_ERR_NOT_FOUND,
    MQTT_ERR_NOT_SUPPORTED,
    MQTT_ERR_PAYLOAD_SIZE,
    MQTT_ERR_PROTOCOL,
    MQTT_ERR_QUEUE_SIZE,
    MQTT_ERR_QUEUED,
    MQTT_ERR_SUCCESS,
    MQTT_ERR_TLS,
    MQTT_ERR_UNKNOWN,
    MQTT_LOG_DEBUG,
    MQTT_LOG_ERR,
    MQTT_LOG_INFO,
    MQTT_LOG_NOTICE,
    MQTT_LOG_WARNING,
    ConfigError,
    MQTTMessage,
)

# The names both packages export (``from tern_flask._api import *``).
__all__ = [
    "MQTT_ERR_ACL_DENIED",
    "MQTT_ERR_AGAIN",
    "MQTT_ERR_AUTH",
    "MQTT_ERR_CONN_LOST",
    "MQTT_ERR_CONN_REFUSED",
    "MQTT_ERR_ERRNO",
    "MQTT_ERR_INVAL",
    "MQTT_ERR_KEEPALIVE",
    "MQTT_ERR_NO_CONN",
    "MQTT_ERR_NOMEM",
    "MQTT_ERR_NOT_FOUND",
    "MQTT_ERR_NOT_SUPPORTED",
    "MQTT_ERR_PAYLOAD_SIZE",
    "MQTT_ERR_PROTOCOL",
    "MQTT_ERR_QUEUE_SIZE",
    "MQTT_ERR_QUEUED",
    "MQTT_ERR_SUCCESS",
    "MQTT_ERR_TLS",
    "MQTT_ERR_UNKNOWN",
    "MQTT_LOG_DEBUG",
    "MQTT_LOG_ERR",
    "MQTT_LOG_INFO",
    "MQTT_LOG_NOTICE",
    "MQTT_LOG_WARNING",
    "ConfigError",
    "MQTTMessage",
    "TopicQos",
]

# paho's log levels as Python logging's.
LOGGING_LEVELS = {
    MQTT_LOG_DEBUG: logging.DEBUG,
    MQTT_LOG_INFO: logging.INFO,
    MQTT_LOG_NOTICE: logging.INFO,
    MQTT_LOG_WARNING: logging.WARNING,
    MQTT_LOG_ERR: logging.ERROR,
}

ALL_LOG_LEVELS = MQTT_LOG_DEBUG | MQTT_LOG_INFO | MQTT_LOG_NOTICE | MQTT_LOG_WARNING | MQTT_LOG_ERR


class TopicQos(typing.NamedTuple):
    """Container for topic + qos, as Flask-MQTT's."""

    topic: str
    qos: int


class Registration(typing.NamedTuple):
    """One decorated handler: enough to remove it, or to register it again
    on a new core (tern_flask after fork())."""

    kind: str
    topic: typing.Optional[str]
    fn: typing.Callable
    levels: int
    id: int


def payload_bytes(payload):
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


def topic_list(topic, qos):
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
            out.extend(topic_list(item, qos))
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


def call_form(kind, fn):
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


class FlaskMqttApi:
    """Flask-MQTT's decorators, publish and subscribe calls over a core
    (``self._core``). The class using it keeps ``self._registrations`` (a
    list of `Registration`), provides ``_add_handler(kind, fn, topic,
    levels)`` returning the core's handler id, and ``topics``."""

    # ---- handlers (decorators, as Flask-MQTT's) ----

    def _register(self, kind, fn, topic=None, levels=ALL_LOG_LEVELS):
        hid = self._add_handler(kind, fn, topic, levels)
        self._registrations.append(Registration(kind, topic, fn, levels, hid))
        return fn

    def _decorator(self, kind, topic=None, levels=ALL_LOG_LEVELS):
        return lambda fn: self._register(kind, fn, topic, levels)

    def _handler_removed(self, fn):
        """Called by `remove_handler` after ``fn``'s registrations are gone."""

    def on_connect(self):
        """``handler(client, userdata, flags, rc)`` at every CONNACK (``rc`` 0
        accepted, 1-5 refused), or ``handler(client, userdata, rc)`` (paho
        before 1.3); also called at once if already connected."""
        return self._decorator("connect")

    def on_disconnect(self):
        """``handler(client, userdata, rc)`` when a connection ends (rc 0 after
        ``disconnect``), or ``handler()`` (Flask-MQTT before 1.3)."""
        return self._decorator("disconnect")

    def on_message(self):
        """``handler(client, userdata, message)`` for messages no ``on_topic`` handler takes."""
        return self._decorator("message")

    def on_topic(self, topic):
        """``handler(client, userdata, message)`` for messages matching ``topic``
        (wildcards and ``$share/<group>/`` allowed); they skip ``on_message``.
        It does not subscribe."""
        return self._decorator("topic", topic)

    def on_publish(self):
        """``handler(client, userdata, mid)``: QoS 0 written, 1 PUBACK, 2 PUBCOMP."""
        return self._decorator("publish")

    def on_subscribe(self):
        """``handler(client, userdata, mid, granted_qos)``."""
        return self._decorator("subscribe")

    def on_unsubscribe(self):
        """``handler(client, userdata, mid)``."""
        return self._decorator("unsubscribe")

    def on_log(self, levels=ALL_LOG_LEVELS):
        """``handler(client, userdata, level, buf)``; ``levels`` (a bitwise or of
        MQTT_LOG_*) limits it: ``MQTT_LOG_WARNING | MQTT_LOG_ERR`` takes
        problems without paho's per-packet DEBUG lines."""
        return self._decorator("log", levels=levels)

    def remove_handler(self, fn):
        """Unregisters every registration of ``fn``; returns whether there was one."""
        found = [r for r in self._registrations if r.fn is fn]
        for reg in found:
            self._core.remove(reg.id)
            self._registrations.remove(reg)
        self._handler_removed(fn)
        return bool(found)

    # ---- publish and subscribe: Flask-MQTT's return values ----

    def publish(self, topic, payload=None, qos=0, retain=False):
        """Returns ``(result, mid)`` at once: MQTT_ERR_SUCCESS; MQTT_ERR_QUEUED
        while offline (sent once connected); MQTT_ERR_QUEUE_SIZE when the
        offline queue is full; MQTT_ERR_INVAL for a bad topic or QoS.
        ``on_publish`` tells when it is complete."""
        return self._core.publish(topic, payload_bytes(payload), qos, retain)

    def subscribe(self, topic, qos=0):
        """Subscribes to a topic, a ``(topic, qos)`` tuple or a list of them.
        Returns ``(result, mid)``; while offline ``(MQTT_ERR_NO_CONN, mid)``
        and the subscription is applied once connected; renewed after every
        reconnect."""
        return self._core.subscribe(topic_list(topic, qos))

    def unsubscribe(self, topic):
        """Returns ``(result, mid)``, or None if ``topic`` is not subscribed (as Flask-MQTT)."""
        result = self._core.unsubscribe(topic)
        return None if result[0] == MQTT_ERR_NOT_FOUND else result

    def unsubscribe_all(self):
        """Unsubscribes every topic in ``topics``; True if all went."""
        ok = True
        for topic in list(self.topics):
            r = self.unsubscribe(topic)
            ok = ok and r is not None and r[0] in (MQTT_ERR_SUCCESS, MQTT_ERR_NO_CONN)
        return ok

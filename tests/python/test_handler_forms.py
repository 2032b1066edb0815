"""Handlers written for older releases: Flask-MQTT before 1.3 called
``on_disconnect`` handlers with no arguments, paho-mqtt before 1.3 called
``on_connect(client, userdata, rc)`` handlers without ``flags``. tern_flask
reads a handler's signature once, when it is registered, and calls it with
the arguments it accepts; anything it cannot read gets paho's arguments."""

import functools
import logging

import pytest

from conftest import eventually
from tern_flask import MQTT_ERR_SUCCESS, Mqtt


def start(make_app, mqtts, config):
    m = Mqtt(make_app(config))
    mqtts.append(m)
    return m


def type_errors(caplog):
    return [r.getMessage() for r in caplog.records if r.name == "tern_flask" and "TypeError" in r.getMessage()]


def test_on_disconnect_without_arguments_as_flask_mqtt_before_1_3(broker, make_app, mqtts, caplog):
    """The form of a Flask-SocketIO dashboard written for Flask-MQTT 1.2."""
    m = start(make_app, mqtts, broker.config())
    events = []

    @m.on_disconnect()
    def handle_disconnect():
        events.append("bare")

    m.on_disconnect()(lambda client, userdata, rc: events.append(("full", client, userdata, rc)))
    m.disconnect()
    assert eventually(lambda: len(events) == 2), (events, type_errors(caplog))
    assert events == ["bare", ("full", m, None, MQTT_ERR_SUCCESS)]
    assert m.wait_idle(2)
    assert type_errors(caplog) == []


class _Handlers:
    """Bound methods and callable objects of both forms."""

    def __init__(self, got):
        self.got = got

    def bare(self):
        self.got.append("method bare")

    def full(self, client, userdata, rc):
        self.got.append(("method full", rc))

    def __call__(self):
        self.got.append("callable object bare")


class _Opaque:
    """A callable whose signature inspect cannot read: it gets the full form."""

    __signature__ = "not a signature"  # inspect.signature raises TypeError on it

    def __init__(self, got):
        self.got = got

    def __call__(self, *args):
        self.got.append(("opaque", len(args)))


def _tagged(got, tag, *args):
    got.append((tag, len(args)))


def _bare(got):
    got.append("partial bare")


def _defaults(got, client=None, userdata=None, rc=-1):
    got.append(("defaults", rc))


def test_the_form_is_read_from_the_signature(broker, make_app, mqtts, caplog):
    m = start(make_app, mqtts, broker.config())
    got = []
    h = _Handlers(got)
    for fn in (
        h.bare,                                           # bound method: self is not counted
        h.full,
        h,                                                # __call__(self)
        functools.partial(_bare, got),                    # the bound arguments are not counted
        functools.partial(_tagged, got, "partial varargs"),  # *args: takes the full form
        functools.partial(_defaults, got),                # defaults: as many as it takes
        lambda *args: got.append(("varargs", len(args))),
        lambda client, userdata, rc, extra=None: got.append(("optional extra", rc)),
        _Opaque(got),
    ):
        m.on_disconnect()(fn)
    m.disconnect()
    expected = [
        "method bare", ("method full", 0), "callable object bare", "partial bare", ("partial varargs", 3), ("defaults", 0),
        ("varargs", 3), ("optional extra", 0), ("opaque", 3),
    ]
    assert eventually(lambda: len(got) == len(expected)), (got, type_errors(caplog))
    assert got == expected
    assert m.wait_idle(2)
    assert type_errors(caplog) == []


def test_on_connect_without_flags_as_paho_before_1_3(broker, make_app, mqtts, caplog):
    m = start(make_app, mqtts, broker.config())
    got = []
    m.on_connect()(lambda client, userdata, rc: got.append(("no flags", client, rc)))
    m.on_connect()(lambda client, userdata, flags, rc: got.append(("full", flags, rc)))
    assert eventually(lambda: len(got) == 2), (got, type_errors(caplog))
    assert got == [("no flags", m, 0), ("full", {"session present": 0}, 0)]


@pytest.mark.parametrize("kind, fn", [
    ("disconnect", lambda rc: None),              # no release called it with one argument
    ("message", lambda: None),                    # neither paho nor Flask-MQTT ever left the message out
    ("connect", lambda: None),
])
def test_other_forms_get_the_full_arguments_and_the_error_is_logged(broker, make_app, mqtts, caplog, topic,
                                                                    kind, fn):
    caplog.set_level(logging.ERROR, logger="tern_flask")
    m = start(make_app, mqtts, broker.config())
    getattr(m, "on_" + kind)()(fn)
    if kind == "message":
        m.subscribe(topic)
        m.publish(topic, "x")
    elif kind == "disconnect":
        m.disconnect()
    assert eventually(lambda: type_errors(caplog)), caplog.text
    assert "positional argument" in type_errors(caplog)[0]

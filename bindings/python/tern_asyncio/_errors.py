"""The exceptions of tern_asyncio."""

from tern_flask._core import ConfigError  # noqa: F401  (re-exported: a ValueError naming the key)

# paho's CONNACK return codes, in words.
CONNACK_TEXT = {
    1: "the broker does not accept this protocol version",
    2: "the broker refused the client identifier",
    3: "the server is unavailable",
    4: "bad user name or password",
    5: "not authorised",
}


class MqttError(Exception):
    """Something the broker or the connection did not do."""


class MqttCodeError(MqttError):
    """An MQTT failure with a code: ``rc`` is paho's result code
    (``MQTT_ERR_*``), a CONNACK return code (`MqttConnectError`) or 0x80
    (`SubscriptionRefused`)."""

    def __init__(self, rc, text):
        super().__init__(text)
        self.rc = rc


class MqttConnectError(MqttCodeError):
    """The broker refused the connection: ``rc`` is the CONNACK's return code
    (1 protocol version, 2 client id, 3 server unavailable, 4 user name or
    password, 5 not authorised)."""


class SubscriptionRefused(MqttCodeError):
    """The broker refused one or more filters of a SUBSCRIBE (0x80 in the
    SUBACK). ``granted`` holds the SUBACK's codes, one per filter."""

    def __init__(self, filters, granted):
        refused = [f for f, g in zip(filters, granted) if g == 0x80]
        super().__init__(0x80, "the broker refused the subscription to %s" % ", ".join(map(repr, refused)))
        self.granted = list(granted)

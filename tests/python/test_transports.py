"""Transports and where the broker is: TLS with a generated CA (and every
MQTT_TLS_* key), MQTT over WebSocket (MQTT_TRANSPORT, which Flask-MQTT 1.3
ignores, and MQTT_WEBSOCKET_PATH), WebSocket over TLS, MQTT_BROKER_URLS
failover, and MQTT_PROXY_URL through a private SOCKS5 proxy."""

import os
import shutil
import socket
import ssl
import subprocess

import pytest

from conftest import _make_pki, eventually, free_port, private_broker
from observe import FakeServer, LogMark, connect_line, dead_port, serve_record_http, tls_server, unique
from tern_flask import ConfigError, Mqtt


def _openssl(d, *args):
    subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True)


def _signed(d, name, subject, ext=None):
    """A key and certificate ``name``.{key,crt} signed by the broker's CA in ``d``."""
    _openssl(d, "req", "-newkey", "rsa:2048", "-nodes", "-subj", subject, "-keyout", name + ".key",
             "-out", name + ".csr")
    args = ["x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
            "-days", "2", "-out", name + ".crt"]
    if ext:
        with open(os.path.join(d, name + ".ext"), "w") as f:
            f.write(ext + "\n")
        args += ["-extfile", name + ".ext"]
    _openssl(d, *args)
    return os.path.join(d, name + ".crt"), os.path.join(d, name + ".key")


class Pki:
    def __init__(self, broker):
        d = broker.dir
        self.ca = broker.ca
        self.server_crt, self.server_key = os.path.join(d, "server.crt"), os.path.join(d, "server.key")
        self.wrong_name_crt, self.wrong_name_key = _signed(d, "wrongname", "/CN=wrong.example",
                                                           "subjectAltName=DNS:wrong.example")
        self.client_crt, self.client_key = _signed(d, "client", "/CN=tern-client")
        self.client_combined = os.path.join(d, "client-combined.pem")
        with open(self.client_combined, "w") as out:
            for p in (self.client_crt, self.client_key):
                with open(p) as f:
                    out.write(f.read())
        other = os.path.join(d, "other-ca")
        os.mkdir(other)
        self.other_ca = _make_pki(other)["ca.crt"]


@pytest.fixture(scope="module")
def tls_broker():
    """A private mosquitto with, besides conftest's listeners: TLS with a
    certificate for another host name (``wrong_name_port``), TLS that wants a
    client certificate and takes its CN as user name (``client_cert_port``),
    and MQTT over WebSocket over TLS (``wss_port``). ``pki`` has the files."""
    with private_broker("tern-flask-tls-") as b:
        b.stop()
        b.pki = Pki(b)
        b.wrong_name_port, b.client_cert_port, b.wss_port = free_port(), free_port(), free_port()
        with open(b.conf, "a") as f:
            f.write("listener %d 127.0.0.1\ncafile %s\ncertfile %s\nkeyfile %s\n"
                    % (b.wrong_name_port, b.ca, b.pki.wrong_name_crt, b.pki.wrong_name_key))
            f.write("listener %d 127.0.0.1\ncafile %s\ncertfile %s\nkeyfile %s\nrequire_certificate true\n"
                    "use_identity_as_username true\n" % (b.client_cert_port, b.ca, b.pki.server_crt, b.pki.server_key))
            f.write("listener %d 127.0.0.1\nprotocol websockets\ncafile %s\ncertfile %s\nkeyfile %s\n"
                    % (b.wss_port, b.ca, b.pki.server_crt, b.pki.server_key))
        b.start()
        _wait_extra_listeners(b)
        yield b


def _wait_extra_listeners(b):
    for port in (b.wrong_name_port, b.client_cert_port, b.wss_port):
        assert eventually(lambda: _listening(port)), "mosquitto did not open port %d: %s" % (port, b.log)


def _listening(port):
    import socket

    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def start(make_app, mqtts, config, **kwargs):
    m = Mqtt(make_app(config), **kwargs)
    mqtts.append(m)
    return m


def tls_config(b, port=None, **extra):
    cfg = b.config(MQTT_BROKER_PORT=port or b.tls_port, MQTT_TLS_ENABLED=True, MQTT_TLS_CA_CERTS=b.ca)
    cfg.update(extra)
    return cfg


def roundtrip(m, topic):
    got = []
    m.on_topic(topic)(lambda c, u, msg: got.append(msg.payload))
    m.subscribe(topic, qos=1)
    m.publish(topic, "over " + topic, qos=1)
    return eventually(lambda: got == [("over " + topic).encode()])


# ---- TLS ----

def test_tls_with_the_generated_ca(tls_broker, make_app, mqtts, topic):
    cid = unique("tls")
    mark = LogMark(tls_broker)
    m = start(make_app, mqtts, tls_config(tls_broker, MQTT_CLIENT_ID=cid))
    assert m.connected, m.last_error()
    assert "New connection from 127.0.0.1" in mark.text() and "on port %d." % tls_broker.tls_port in mark.text()
    assert connect_line(tls_broker, cid, since=mark) is not None
    assert roundtrip(m, topic)


@pytest.mark.parametrize("ca", ["other", "system"])
def test_tls_with_an_untrusted_certificate_fails_saying_why(tls_broker, make_app, ca):
    cfg = tls_config(tls_broker, MQTT_TLS_CA_CERTS=tls_broker.pki.other_ca if ca == "other" else None)
    with pytest.raises(ConnectionError, match="certificate verif"):
        Mqtt(make_app(cfg), connect_async=False)


def test_tls_untrusted_reason_in_last_error_and_log(tls_broker, make_app, mqtts, caplog):
    m = start(make_app, mqtts, tls_config(tls_broker, MQTT_TLS_CA_CERTS=tls_broker.pki.other_ca))
    assert not m.connected
    assert "certificate verification failed: self-signed certificate" in m.last_error()
    assert eventually(lambda: "certificate verification failed" in caplog.text)
    assert "not reachable (certificate verification failed" in caplog.text  # the start-up warning


@pytest.mark.parametrize("reqs", ["none", "CERT_NONE", ssl.CERT_NONE, 0])
def test_tls_cert_reqs_none_skips_verification(tls_broker, make_app, mqtts, reqs):
    m = start(make_app, mqtts, tls_config(tls_broker, MQTT_TLS_CA_CERTS=tls_broker.pki.other_ca,
                                          MQTT_TLS_CERT_REQS=reqs))
    assert m.connected, m.last_error()


@pytest.mark.parametrize("reqs", ["required", ssl.CERT_REQUIRED, 2])
def test_tls_cert_reqs_required_verifies(tls_broker, make_app, reqs):
    with pytest.raises(ConnectionError, match="certificate verif"):
        Mqtt(make_app(tls_config(tls_broker, MQTT_TLS_CA_CERTS=tls_broker.pki.other_ca, MQTT_TLS_CERT_REQS=reqs)),
             connect_async=False)


def test_tls_host_name_is_checked(tls_broker, make_app):
    with pytest.raises(ConnectionError, match="certificate does not match the host name '127.0.0.1'"):
        Mqtt(make_app(tls_config(tls_broker, tls_broker.wrong_name_port)), connect_async=False)


def test_tls_insecure_skips_the_host_name_check(tls_broker, make_app, mqtts, caplog, topic):
    m = start(make_app, mqtts, tls_config(tls_broker, tls_broker.wrong_name_port, MQTT_TLS_INSECURE=True))
    assert m.connected, m.last_error()
    assert eventually(lambda: "TLS insecure mode: the broker's host name is not checked" in caplog.text)
    assert roundtrip(m, topic)


def test_tls_insecure_still_verifies_the_chain(tls_broker, make_app):
    cfg = tls_config(tls_broker, tls_broker.wrong_name_port, MQTT_TLS_INSECURE=True,
                     MQTT_TLS_CA_CERTS=tls_broker.pki.other_ca)
    with pytest.raises(ConnectionError, match="certificate verif"):
        Mqtt(make_app(cfg), connect_async=False)


@pytest.mark.parametrize("files", ["separate", "combined"])
def test_tls_client_certificate(tls_broker, make_app, mqtts, files):
    cid = unique("certuser")
    pki = tls_broker.pki
    keys = ({"MQTT_TLS_CERTFILE": pki.client_crt, "MQTT_TLS_KEYFILE": pki.client_key} if files == "separate"
            else {"MQTT_TLS_CERTFILE": pki.client_combined})
    m = start(make_app, mqtts, tls_config(tls_broker, tls_broker.client_cert_port, MQTT_CLIENT_ID=cid, **keys))
    assert m.connected, m.last_error()
    # The broker took the certificate's CN as the user name.
    assert connect_line(tls_broker, cid)[1]["u"] == "'tern-client'"


def test_tls_without_a_client_certificate_is_refused(tls_broker, make_app):
    with pytest.raises(ConnectionError):
        Mqtt(make_app(tls_config(tls_broker, tls_broker.client_cert_port)), connect_async=False)


def test_tls_missing_file_is_named(tls_broker, make_app):
    with pytest.raises(ConnectionError, match="no-such-ca.pem"):
        Mqtt(make_app(tls_config(tls_broker, MQTT_TLS_CA_CERTS="/nonexistent/no-such-ca.pem")), connect_async=False)


def test_tls_version_is_the_minimum(tls_broker, make_app, mqtts):
    """Against a TLS 1.2-only server: the default (TLS 1.2) connects,
    MQTT_TLS_VERSION tlsv1.3 refuses to go lower."""
    pki = tls_broker.pki
    for version, expect in ((None, "TLSv1.2"), ("tlsv1.2", "TLSv1.2"), (ssl.PROTOCOL_TLSv1_2, "TLSv1.2"),
                            ("tlsv1.3", None)):
        with FakeServer(tls_server(pki.server_crt, pki.server_key, max_version=ssl.TLSVersion.TLSv1_2)) as srv:
            m = start(make_app, mqtts, tls_config(tls_broker, srv.port, MQTT_TLS_VERSION=version,
                                                  MQTT_CONNECTION_TIMEOUT=0.5), connect_async=True)
            assert eventually(lambda: srv.records), version
            if expect:
                assert srv.records[0][0] == expect, (version, srv.records)
            else:
                assert isinstance(srv.records[0], ssl.SSLError), srv.records
                assert eventually(lambda: "version" in m.last_error().lower()), m.last_error()
            m.close()
    # Against mosquitto, which speaks TLS 1.3: fine.
    assert start(make_app, mqtts, tls_config(tls_broker, MQTT_TLS_VERSION="tlsv1.3")).connected


@pytest.mark.parametrize("version", ["PROTOCOL_TLSv1", "tlsv1.1", "PROTOCOL_SSLv23"])
def test_tls_versions_below_1_2_are_refused(tls_broker, make_app, version):
    with pytest.raises(ConfigError, match="MQTT_TLS_VERSION"):
        Mqtt(make_app(tls_config(tls_broker, MQTT_TLS_VERSION=version)))


def test_tls_ciphers(tls_broker, make_app, mqtts):
    pki = tls_broker.pki
    offered = "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305"
    for cipher in ("ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-CHACHA20-POLY1305"):
        with FakeServer(tls_server(pki.server_crt, pki.server_key, max_version=ssl.TLSVersion.TLSv1_2,
                                   ciphers=offered)) as srv:
            m = start(make_app, mqtts, tls_config(tls_broker, srv.port, MQTT_TLS_CIPHERS=cipher,
                                                  MQTT_CONNECTION_TIMEOUT=0.5), connect_async=True)
            assert eventually(lambda: srv.records)
            assert srv.records[0] == ("TLSv1.2", cipher)
            m.close()


def test_tls_keys_without_tls_enabled_are_reported(broker, make_app, mqtts, caplog):
    m = start(make_app, mqtts, broker.config(MQTT_TLS_CA_CERTS=broker.ca, MQTT_TLS_INSECURE=True))
    assert m.connected  # plain TCP, as configured
    assert eventually(lambda: "MQTT_TLS_CA_CERTS has no effect: MQTT_TLS_ENABLED is false" in caplog.text)
    assert "MQTT_TLS_INSECURE has no effect" in caplog.text


# ---- WebSocket ----

def test_websockets_transport(broker, make_app, mqtts, topic):
    """Flask-MQTT 1.3 ignores MQTT_TRANSPORT; here it is MQTT over WebSocket."""
    cid = unique("ws")
    m = start(make_app, mqtts, broker.config(MQTT_CLIENT_ID=cid, MQTT_TRANSPORT="websockets",
                                             MQTT_BROKER_PORT=broker.ws_port))
    assert m.connected, m.last_error()
    address, _ = connect_line(broker, cid)
    assert address.startswith("::ffff:127.0.0.1:")  # mosquitto's WebSocket listener (libwebsockets)
    assert roundtrip(m, topic)
    # And the message reaches plain-TCP clients.
    from observe import Sub

    with Sub(broker, topic + "/out").ready() as sub:
        m.publish(topic + "/out", "from websocket")
        assert sub.wait(1) == ["from websocket"]


def test_tcp_transport_on_a_websocket_port_fails(broker, make_app):
    with pytest.raises(ConnectionError):
        Mqtt(make_app(broker.config(MQTT_TRANSPORT="tcp", MQTT_BROKER_PORT=broker.ws_port,
                                    MQTT_CONNECTION_TIMEOUT=1)), connect_async=False)


@pytest.mark.parametrize("path, expected", [(None, "/mqtt"), ("/custom/ws", "/custom/ws"), ("/", "/")])
def test_websocket_path(broker, make_app, mqtts, path, expected):
    with FakeServer(serve_record_http) as srv:
        start(make_app, mqtts, broker.config(MQTT_TRANSPORT="websockets", MQTT_BROKER_PORT=srv.port,
                                             MQTT_WEBSOCKET_PATH=path), connect_async=True)
        assert eventually(lambda: srv.records)
    request = srv.records[0]
    assert request.startswith("GET %s HTTP/1.1\r\n" % expected), request
    headers = request.lower()
    assert "upgrade: websocket" in headers and "sec-websocket-protocol: mqtt" in headers


def test_websocket_path_reaches_mosquitto(broker, make_app, mqtts):
    m = start(make_app, mqtts, broker.config(MQTT_TRANSPORT="websockets", MQTT_BROKER_PORT=broker.ws_port,
                                             MQTT_WEBSOCKET_PATH="/custom/ws"))
    assert m.connected  # mosquitto serves MQTT on any path


def test_websockets_over_tls(tls_broker, make_app, mqtts, topic):
    cid = unique("wss")
    m = start(make_app, mqtts, tls_config(tls_broker, tls_broker.wss_port, MQTT_TRANSPORT="websockets",
                                          MQTT_CLIENT_ID=cid))
    assert m.connected, m.last_error()
    assert connect_line(tls_broker, cid)[0].startswith("::ffff:127.0.0.1:")
    assert roundtrip(m, topic)


def test_websockets_over_tls_verifies_the_certificate(tls_broker, make_app):
    cfg = tls_config(tls_broker, tls_broker.wss_port, MQTT_TRANSPORT="websockets",
                     MQTT_TLS_CA_CERTS=tls_broker.pki.other_ca)
    with pytest.raises(ConnectionError, match="certificate verif"):
        Mqtt(make_app(cfg), connect_async=False)


# ---- MQTT_BROKER_URLS ----

@pytest.mark.parametrize("form", ["list", "tuple", "comma-text"])
def test_broker_urls_fail_over_to_the_next(broker, make_app, mqtts, topic, form):
    cid = unique("failover")
    with dead_port() as dead:
        urls = ["mqtt://127.0.0.1:%d" % dead, "127.0.0.1:%d" % broker.port]
        value = {"list": urls, "tuple": tuple(urls), "comma-text": ", ".join(urls)}[form]
        logs = []
        m = Mqtt()
        mqtts.append(m)
        m.on_log()(lambda c, u, level, buf: logs.append(buf))
        # MQTT_BROKER_URL/PORT are not used when MQTT_BROKER_URLS is set.
        m.init_app(make_app(broker.config(MQTT_CLIENT_ID=cid, MQTT_BROKER_URLS=value, MQTT_BROKER_PORT=dead)))
    assert m.connected, m.last_error()
    assert connect_line(broker, cid) is not None
    assert eventually(lambda: "connection failed: cannot connect to 127.0.0.1:%d: Connection refused" % dead in logs)
    assert "connecting to mqtt://127.0.0.1:%d" % broker.port in logs
    assert roundtrip(m, topic)


def test_broker_urls_mix_schemes(broker, make_app, mqtts, topic):
    cid = unique("mixed")
    with dead_port() as dead:
        m = start(make_app, mqtts, broker.config(
            MQTT_CLIENT_ID=cid, MQTT_BROKER_URLS=["127.0.0.1:%d" % dead, "ws://127.0.0.1:%d/mqtt" % broker.ws_port]))
    assert m.connected, m.last_error()
    assert connect_line(broker, cid)[0].startswith("::ffff:")  # the WebSocket listener
    assert roundtrip(m, topic)


def test_broker_urls_take_tls_from_tls_enabled(tls_broker, make_app, mqtts):
    cid = unique("urls-tls")
    mark = LogMark(tls_broker)
    m = start(make_app, mqtts, tls_config(tls_broker, MQTT_CLIENT_ID=cid,
                                          MQTT_BROKER_URLS=["127.0.0.1:%d" % tls_broker.tls_port]))
    assert m.connected, m.last_error()
    assert "on port %d." % tls_broker.tls_port in mark.text()


def test_broker_urls_fail_over_when_the_broker_goes(broker, tls_broker, make_app, mqtts, topic):
    """Connected to the first broker; it stops; the client moves to the second
    and its subscriptions follow (they are desired state)."""
    cid = unique("moving")
    first, second = tls_broker, broker
    m = start(make_app, mqtts, broker.config(
        MQTT_CLIENT_ID=cid, MQTT_BROKER_URLS=["127.0.0.1:%d" % first.port, "127.0.0.1:%d" % second.port]))
    got = []
    m.on_message()(lambda c, u, msg: got.append(msg.payload))
    m.subscribe(topic, qos=1)
    assert connect_line(first, cid) is not None and connect_line(second, cid) is None
    mark = LogMark(second)
    first.stop()
    try:
        assert eventually(lambda: connect_line(second, cid, since=mark) is not None)
        assert mark.wait_for("%s 1 %s\n" % (cid, topic))
        second.pub(topic, "after failover", qos=1)
        assert eventually(lambda: got == [b"after failover"])
        assert m.status()["reconnects"] == 1
    finally:
        first.start()
        _wait_extra_listeners(first)


@pytest.fixture
def socks_proxy():
    """microsocks on a free 127.0.0.1 port; its port."""
    exe = shutil.which("microsocks") or "/usr/bin/microsocks"
    port = free_port()
    proc = subprocess.Popen([exe, "-i", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        assert eventually(lambda: _accepts(port)), "microsocks does not listen"
        yield port
    finally:
        proc.terminate()
        proc.wait(5)


def _accepts(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


def test_proxy_url_connects_through_the_proxy(broker, make_app, mqtts, socks_proxy, topic):
    # An address, not "localhost": microsocks tries only the first address
    # of a name, and where that is ::1 it is not the broker's.
    m = start(make_app, mqtts, broker.config(MQTT_PROXY_URL="socks5h://127.0.0.1:%d" % socks_proxy))
    assert m.connected, m.last_error()
    assert roundtrip(m, topic)
    # The same with a proxy that is not there: the error names the proxy.
    with dead_port() as dead:
        cfg = broker.config(MQTT_PROXY_URL="http://127.0.0.1:%d" % dead)
        with pytest.raises(ConnectionError, match="cannot connect to the proxy http://127.0.0.1:%d" % dead):
            Mqtt(make_app(cfg), connect_async=False)


def test_a_bad_proxy_url_is_a_config_error_that_hides_the_password(broker, make_app):
    with pytest.raises(ConfigError, match="MQTT_PROXY_URL: invalid proxy URL") as e:
        Mqtt(make_app(broker.config(MQTT_PROXY_URL="socks4://me:hunter2@proxy")))
    assert "hunter2" not in str(e.value)


def test_tls_alpn_is_offered_and_a_broker_that_selects_none_is_refused(tls_broker, make_app, mqtts):
    # mosquitto selects no ALPN protocol: offering one makes the connection fail, saying so.
    m = start(make_app, mqtts, tls_config(tls_broker, MQTT_TLS_ALPN=["x-amzn-mqtt-ca", "mqtt"]))
    assert not m.connected
    assert "ALPN protocols offered (x-amzn-mqtt-ca, mqtt)" in m.last_error()

"""What paho and Flask-MQTT users rely on: a refused CONNACK reaches
on_connect with its code, on_log hears paho's line per packet, and a
shutdown delivers what was published or says what it could not."""

import logging
import sys
import subprocess
import textwrap
import time

from conftest import eventually
from observe import FakeServer, MiniBroker, Sub, read_mqtt_packet, spawn_python, unique
from tern_flask import MQTT_LOG_DEBUG, MQTT_LOG_ERR, Mqtt


def start(make_app, mqtts, config, **kwargs):
    m = Mqtt(make_app(config), **kwargs)
    mqtts.append(m)
    return m


def refusing(code):
    """A serve function: reads CONNECT, answers CONNACK with return code ``code``."""

    def serve(conn, server):
        ptype, _, _ = read_mqtt_packet(conn)
        if ptype == 1:
            conn.sendall(bytes([0x20, 0x02, 0x00, code]))
        conn.recv(16)

    return serve


# ---- on_connect(rc) for a refusal ----

def test_a_refused_connack_reaches_on_connect_with_its_code(make_app, mqtts):
    # Flask-MQTT's troubleshooting: "check rc in on_connect". Before: no call.
    with FakeServer(refusing(5)) as server:
        app = make_app({"MQTT_BROKER_URL": "127.0.0.1", "MQTT_BROKER_PORT": server.port})
        m = Mqtt(connect_async=True)
        mqtts.append(m)
        seen = []
        m.on_connect()(lambda client, userdata, flags, rc: seen.append((flags, rc)))
        m.on_disconnect()(lambda client, userdata, rc: seen.append(("disconnect", rc)))
        m.init_app(app)
        assert eventually(lambda: seen, 5)
        time.sleep(0.1)
        assert seen == [({"session present": 0}, 5)]
        assert m.status()["last_connack_code"] == 5
        assert not m.connected


# ---- paho's DEBUG lines ----

def test_on_log_hears_every_packet_in_pahos_words(broker, make_app, mqtts, topic):
    # Before: the facade emitted no MQTT_LOG_DEBUG line at all.
    m = start(make_app, mqtts, broker.config(MQTT_CLIENT_ID=unique("dbg")))
    lines = []
    m.on_log()(lambda client, userdata, level, buf: lines.append((level, buf)))
    m.subscribe(topic + "/#", 1)
    assert eventually(lambda: (MQTT_LOG_DEBUG, "Received SUBACK") in lines)
    m.publish(topic + "/x", "hi", qos=1)

    def debug():
        return [buf for level, buf in lines if level == MQTT_LOG_DEBUG]

    # paho's "m" and "Mid" are packet ids: the SUBSCRIBE's (1) is free again.
    assert eventually(lambda: "Received PUBACK (Mid: 2)" in debug() or "Received PUBACK (Mid: 1)" in debug()), lines
    assert "Sending SUBSCRIBE (d0, m1) [(b'%s/#', 1)]" % topic in debug()
    assert any(b.startswith("Sending PUBLISH (d0, q1, r0, m") and b.endswith("), '%s/x', ... (2 bytes)" % topic)
               for b in debug()), debug()
    # Our own message comes back through the subscription.
    assert eventually(lambda: any(b.startswith("Received PUBLISH (d0, q1, r0, m") for b in debug()))
    assert eventually(lambda: any(b.startswith("Sending PUBACK (Mid: ") for b in debug()))


def test_without_a_reader_there_are_no_debug_lines(broker, make_app, mqtts, topic, caplog):
    # Warnings and errors still reach Python's logging; DEBUG lines are not made.
    caplog.set_level(logging.DEBUG, logger="tern_flask")
    m = start(make_app, mqtts, broker.config())
    m.publish(topic, "x", qos=1)
    time.sleep(0.3)
    assert not [r for r in caplog.records if r.levelno == logging.DEBUG]


def test_mqtt_logging_sends_the_debug_lines_to_pythons_logging(broker, make_app, mqtts, topic, caplog):
    caplog.set_level(logging.DEBUG, logger="tern_flask")
    m = start(make_app, mqtts, broker.config(), mqtt_logging=True)
    m.publish(topic, "x", qos=1)
    assert eventually(lambda: any("Received PUBACK" in r.getMessage() for r in caplog.records))


# ---- shutdown ----

def test_close_delivers_what_was_published(broker, make_app, mqtts, topic):
    # 300 QoS 1 messages, then close() at once: all of them reach a
    # subscriber (before: DISCONNECT went out behind the first in-flight
    # window, and the rest were lost without a word).
    with Sub(broker, topic, qos=1) as sub:
        sub.ready()
        m = start(make_app, mqtts, broker.config())
        published = []
        m.on_publish()(lambda client, userdata, mid: published.append(mid))
        for n in range(300):
            m.publish(topic, str(n), qos=1)
        m.close()
        assert len(published) == 300  # on_publish ran for each before close() returned
        assert sub.wait(300), len(sub.messages)
        assert sorted(int(p) for p in sub.payloads()) == list(range(300))


def test_close_names_what_it_could_not_deliver(make_app, mqtts, caplog):
    # A broker that never acknowledges: after MQTT_STOP_LINGER the message is
    # reported, through on_log and Python's logging, by its mid.
    mini = MiniBroker()
    with FakeServer(mini) as server:
        m = start(make_app, mqtts, {"MQTT_BROKER_URL": "127.0.0.1", "MQTT_BROKER_PORT": server.port,
                                    "MQTT_STOP_LINGER": 0.3})
        errors = []
        m.on_log()(lambda client, userdata, level, buf: level == MQTT_LOG_ERR and errors.append(buf))
        result, mid = m.publish("t", "x", qos=1)
        assert eventually(lambda: mini.publishes())
        t0 = time.monotonic()
        m.close()
        assert time.monotonic() - t0 < 2.0
        expected = "stopped with 1 message(s) not delivered (mid %d)" % mid
        assert expected in errors
        assert any(expected in r.getMessage() for r in caplog.records)
        assert [p for p, _ in mini.packets][-1] == 14  # DISCONNECT all the same


def test_a_process_that_exits_delivers_what_it_published(broker, topic):
    # The way a web worker ends: the interpreter exits right after publishing.
    code = textwrap.dedent("""
        import sys
        from flask import Flask
        from tern_flask import Mqtt
        app = Flask("exiting")
        app.config.update(MQTT_BROKER_URL=sys.argv[1], MQTT_BROKER_PORT=int(sys.argv[2]))
        m = Mqtt(app)
        for n in range(200):
            m.publish(sys.argv[3], str(n), qos=1)
        print("published", flush=True)
    """)
    with Sub(broker, topic, qos=1) as sub:
        sub.ready()
        p = spawn_python(code, broker.host, str(broker.port), topic)
        out, _ = p.communicate(timeout=30)
        assert p.returncode == 0 and "published" in out
        assert sub.wait(200), len(sub.messages)
        assert sorted(int(x) for x in sub.payloads()) == list(range(200))


def test_closing_while_the_interpreter_ends_does_not_abort():
    # The dispatcher thread, woken by a close() made while the interpreter
    # finalizes, must not take the GIL back: Python would end it with a
    # forced unwind through C++ frames, and the process would abort with
    # "terminate called without an active exception" (found through a
    # ConfigError'd Mqtt collected at the end of a pytest run).
    code = textwrap.dedent("""
        import time
        from flask import Flask
        from tern_flask import ConfigError, Mqtt
        app = Flask("ending")
        app.config.update(MQTT_BROKER_URL="127.0.0.1", MQTT_KEEPALIVE={"seconds": 5})
        m = Mqtt()
        try:
            m.init_app(app)  # refused: its dispatcher waits, and no exit hook closes it
        except ConfigError:
            pass

        class CloseLate:
            def __init__(self, mqtt):
                self.mqtt = mqtt

            def __del__(self):
                self.mqtt.close()  # the dispatcher leaves its wait...
                time.sleep(0.6)  # ...while the interpreter finalizes, the GIL free

        late = CloseLate(m)
        print("ready", flush=True)
    """)
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = p.communicate(timeout=30)
    assert "ready" in out
    assert "terminate called" not in err, err
    assert p.returncode == 0, err

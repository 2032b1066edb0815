"""tern-per-user (examples/per_user) end to end, with the standard library only.

A private mosquitto (free loopback port) with a password file for alice,
bob and admin and an ACL (`pattern readwrite users/%u/#`, admin everything);
the example in front of it: each signed-in user's facade and bridge, the
bridge's endpoints routed by the session cookie. Exits non-zero, saying why,
on the first failure.
"""

import http.client
import json
import os
import queue
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

EXAMPLE = os.environ["TERN_PER_USER"]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, seconds=10):
    end = time.time() + seconds
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing listens on {port} after {seconds} s")


def check(condition, what):
    if not condition:
        raise SystemExit(f"FAILED: {what}")
    print(f"ok: {what}")


class Http:
    def __init__(self, port):
        self.port = port
        self.cookie = None

    def post(self, path, **form):
        return self.send(path, "application/x-www-form-urlencoded", urllib.parse.urlencode(form))

    def post_json(self, path, **fields):
        return self.send(path, "application/json", json.dumps(fields))

    def publish(self, topic, message):
        return self.post_json("/mqtt/publish", topic=topic, message=message, qos=1)

    def send(self, path, content_type, body):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        headers = {"Content-Type": content_type}
        if self.cookie:
            headers["Cookie"] = self.cookie
        c.request("POST", path, body, headers)
        r = c.getresponse()
        body = r.read().decode()
        if r.getheader("Set-Cookie"):
            self.cookie = r.getheader("Set-Cookie").split(";")[0]
        c.close()
        return r.status, body

    def stream(self, filter_):
        """Opens GET /mqtt/events; returns (status, queue of (topic, payload), None when it ends)."""
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        c.request("GET", "/mqtt/events?" + urllib.parse.urlencode({"topic": filter_}),
                  headers={"Cookie": self.cookie or ""})
        r = c.getresponse()
        events = queue.Queue()
        if r.status != 200:
            r.read()
            return r.status, events

        def pump():
            try:
                for line in r:
                    line = line.decode().strip()
                    if line.startswith("data: "):
                        event = json.loads(line[6:])
                        events.put((event["topic"], event["payload"]))
            except OSError:
                pass
            events.put(None)

        threading.Thread(target=pump, daemon=True).start()
        return r.status, events


def next_event(events, seconds=5):
    try:
        return events.get(timeout=seconds)
    except queue.Empty:
        return "(nothing)"


def main():
    work = tempfile.mkdtemp(prefix="tern-per-user-")
    procs = []
    try:
        passwd = os.path.join(work, "passwd")
        for i, (user, password) in enumerate([("alice", "alice-pw"), ("bob", "bob-pw"), ("admin", "admin-pw")]):
            subprocess.run(["mosquitto_passwd", "-b"] + (["-c"] if i == 0 else []) + [passwd, user, password],
                           check=True, capture_output=True)
        acl = os.path.join(work, "acl")
        with open(acl, "w") as f:
            f.write("user admin\ntopic readwrite #\npattern readwrite users/%u/#\n")
        mqtt_port, http_port = free_port(), free_port()
        conf = os.path.join(work, "mosquitto.conf")
        with open(conf, "w") as f:
            f.write(f"listener {mqtt_port} 127.0.0.1\nallow_anonymous false\npassword_file {passwd}\n"
                    f"acl_file {acl}\npersistence false\nlog_dest file {work}/mosquitto.log\n")
            if os.geteuid() == 0:
                f.write("user root\n")
        mosquitto = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        procs.append(subprocess.Popen([mosquitto, "-c", conf]))
        wait_port(mqtt_port)
        procs.append(subprocess.Popen([EXAMPLE, "--broker", f"mqtt://127.0.0.1:{mqtt_port}",
                                       "--listen", f"127.0.0.1:{http_port}", "--idle", "2"]))
        wait_port(http_port)

        alice, bob = Http(http_port), Http(http_port)
        status, body = alice.post("/login", user="alice", password="guess")
        check(status == 401 and "refused" in body, f"a wrong password is the broker's refusal ({status} {body.strip()})")
        status, _ = alice.publish("users/alice/x", "p")
        check(status == 401, "no login, no connection to publish through")
        status, body = alice.post("/login", user="alice", password="alice-pw")
        check(status == 200 and alice.cookie, "alice logs in with her broker credentials")

        # mosquitto grants any subscription and applies its ACL to each
        # message it would deliver: users/# shows alice her own topics only.
        status, events = alice.stream("users/#")
        check(status == 200, "alice's event stream opens")
        # The stream's subscription goes to the broker as it opens: once a
        # probe comes back, it is in place.
        for _ in range(20):
            alice.publish("users/alice/probe", "p")
            if next_event(events, 0.5) == ("users/alice/probe", "p"):
                break
        else:
            check(False, "the stream's subscription takes effect")
        time.sleep(0.3)
        while not events.empty():
            events.get()

        status, body = alice.publish("users/alice/note", "from alice")
        check(status == 200, f"alice publishes as herself through her bridge ({status} {body.strip()})")
        check(next_event(events) == ("users/alice/note", "from alice"), "alice's stream shows her own message")
        for topic in ("users/bob/secret", "users/alice/news"):
            subprocess.run(["mosquitto_pub", "-p", str(mqtt_port), "-u", "admin", "-P", "admin-pw", "-q", "1",
                            "-t", topic, "-m", "from admin"], check=True)
        check(next_event(events) == ("users/alice/news", "from admin"),
              "alice's stream shows hers, not bob's, though she asked for users/#")

        status, _ = bob.post("/login", user="bob", password="bob-pw")
        check(status == 200, "bob logs in")
        time.sleep(3.5)  # bob's connection, unused, passes the 2 s idle timeout
        status, body = bob.publish("users/bob/x", "late")
        check(status == 401, f"bob's idle connection was closed ({status} {body.strip()})")
        status, _ = alice.publish("users/alice/still", "here")
        check(status == 200, "alice's connection, held by her open stream, stayed")
        check(next_event(events) == ("users/alice/still", "here"), "her stream goes on")

        status, _ = alice.post("/logout")
        check(status == 200, "alice logs out")
        check(next_event(events, 5) is None, "her stream ends with her connection")
        for _ in range(30):  # the DISCONNECT follows the logout's answer
            with open(os.path.join(work, "mosquitto.log")) as f:
                lines = f.read().splitlines()
            if any(line.endswith("Client web-alice disconnected.") for line in lines):
                break
            time.sleep(0.1)
        # "disconnected." alone: a refused CONNECT logs "disconnected, not authorised."
        check(any(line.endswith("Client web-alice disconnected.") for line in lines),
              "the broker saw alice's DISCONNECT")
    finally:
        for p in reversed(procs):
            p.terminate()
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

#pragma once
// tern::client_options: everything a tern::client is configured with (the
// brokers, CONNECT, the session's limits, the transport, reconnecting,
// reading, stopping, a message store). Apart from <tern/client.hpp>, which
// uses no standard library header beyond a few small ones: only the code
// that configures a client needs this one. It includes <tern/client.hpp>
// and the error enums (<tern/error.hpp>, <tern/transport_error.hpp>), so
// that it alone gives the whole client API. See docs/client.md.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tern/client.hpp"
#include "tern/error.hpp"
#include "tern/payload.hpp"
#include "tern/session_options.hpp"
#include "tern/transport.hpp"
#include "tern/transport_error.hpp"

namespace tern {

class message_store;  // <tern/store.hpp>

/// Automatic reconnection after a lost connection.
struct reconnect_options {
  /// Reconnect after a lost connection or a failed attempt (default true).
  bool enabled = true;
  /// The first delay; each failed attempt doubles it up to `max_delay`, and
  /// the delay actually used is drawn uniformly from [delay/2, delay]
  /// (jitter, so that many clients do not reconnect in step).
  std::chrono::milliseconds min_delay{std::chrono::seconds(1)};
  /// The longest delay between attempts (default 120 s).
  std::chrono::milliseconds max_delay{std::chrono::seconds(120)};
};

/// Everything a client is configured with; the transport's settings (`tls`,
/// `websocket`, `proxy`, `tcp_nodelay`) are those of `transport_options`.
struct client_options : transport_options {
  /// Broker URIs, tried in turn (failover): `mqtt://host:1883`, `tcp://`,
  /// `mqtts://host:8883`, `ssl://`, `ws://host:80/mqtt`, `wss://host:443/mqtt`.
  /// A bare `host` or `host:port` means mqtt://.
  std::vector<std::string> brokers{"mqtt://localhost:1883"};
  /// CONNECT settings: client id, credentials, keep-alive, clean session,
  /// will, protocol version, CONNACK timeout, keep-alive response timeout.
  connect_options connect;
  /// Session limits: in-flight window, queue, maximum packet size, logging.
  session_options session;
  /// Resolve + TCP connect + proxy, TLS and WebSocket handshakes must finish within this. Default 30 s.
  std::chrono::milliseconds transport_timeout{std::chrono::seconds(30)};
  /// Reconnecting after a lost connection: on, with back-off from 1 s to 120 s.
  reconnect_options reconnect;
  /// Under sustained incoming traffic (four reads in a row whose bytes came
  /// within the pause plus 40 µs, at least 100 µs, of the client being ready
  /// for them), the client's own I/O thread sleeps this long after handling
  /// a read, its acknowledgements written, and before the next read, so that
  /// one wake-up and one read take many packets instead of one: less CPU for
  /// the client, fewer wake-ups for the broker to pay for. A pause after
  /// which a read brings 3 packets or more is doubled for the next one, up
  /// to 4 times this; one that brings fewer is halved, down to this. Paced
  /// traffic never pauses. Only a client that owns its I/O thread pauses (a
  /// pause would block the threads of an executor you run yourself);
  /// publishes made meanwhile are queued and timers wait it out. Zero
  /// disables it. Default 60 µs.
  std::chrono::microseconds read_pause{60};
  /// Trades latency for wake-ups on a busy live stream: after a read that
  /// brought whole packets, the client waits this long before it reads
  /// again (on a timer: its other work goes on), so that the packets which
  /// arrive meanwhile are read, decoded, acknowledged (one write) and handed
  /// to the callbacks together. A packet arriving within this time of the
  /// last read is delayed by at most this much (about twice it behind a
  /// broker with Nagle's algorithm on, as mosquitto has by default); one
  /// arriving after a quiet spell is read at once. A read that stops inside a packet, or fills
  /// the buffer, or leaves TLS records behind it, is followed at once.
  /// Replaces `read_pause` when set. Keep it well below the keep-alive (a
  /// PINGRESP may be read this much late). From 0 to 1 s: a negative value
  /// or more makes `connect()` fail with `errc::invalid_argument` (a
  /// configuration error: `on_disconnect`, `last_error()`; nothing is
  /// sent). Zero (the default): off.
  std::chrono::microseconds read_interval{0};
  /// Makes `read_interval` the longest hold of an adaptive one: the client
  /// holds its next read only while incoming messages (PUBLISH packets;
  /// acknowledgements of your own publishes do not count) arrive fast
  /// enough to fill a hold of `read_interval` with 4 or more, and then just
  /// long enough to gather about 32 at their averaged rate. No read is held
  /// while the broker owes an answer (a PUBACK, PUBREC or PUBCOMP for your
  /// QoS 1/2 messages, the PUBREL of its QoS 2 one, a SUBACK, an UNSUBACK,
  /// a PINGRESP); a hold under way ends when the packet that asks for one
  /// is sent. A slower stream, or one whose hold would be under 250 µs
  /// (above about 128,000 msgs/s, as in a drained backlog: reads gather
  /// messages by themselves), is read at once. With a 1 ms interval a
  /// stream of 20,000 msgs/s is held 1 ms per read, one of 100,000 msgs/s
  /// 320 µs, and one below 4,000 msgs/s not at all. Needs `read_interval`
  /// above zero. Off by default; the facade's `MQTT_READ_INTERVAL` `auto`
  /// sets it with a 1 ms interval.
  bool adaptive_read_interval{false};
  /// How long `stop()` and the destructor wait for what was published to be
  /// delivered (QoS 0 written, QoS 1 PUBACK, QoS 2 PUBCOMP) before they send
  /// DISCONNECT. They wait only while the client is connected, or connecting
  /// (one last attempt is made at once when a reconnect was waiting for its
  /// delay). What is not delivered then completes with `errc::stopped`.
  /// Zero: no wait. Default 5 s.
  std::chrono::milliseconds stop_linger{std::chrono::seconds(5)};
  /// Where QoS 1/2 messages (queued, in flight, half-way through QoS 2) and
  /// the inbound QoS 2 ids are kept so that they survive the client, and with
  /// a `file_store` the process: the client restores them when it is made and
  /// sends them on connect. Null (the default): the session's memory only.
  /// See docs/client.md, "Messages that survive a restart".
  std::shared_ptr<message_store> store;
  /// For a client on an executor whose io_context no thread blocks in
  /// (`run()`), but another event loop polls (`poll()` when Asio's
  /// descriptors are ready): called, on any thread, right after the client
  /// queued work for that io_context from outside it (a member function
  /// called from another thread, a finished store sync or name resolution),
  /// so that the loop polls again. Asio wakes a thread blocked in `run()`
  /// by itself; a poller it cannot. Must not block or call the client.
  /// Empty (the default): not needed.
  std::function<void()> executor_wakeup;
};

}  // namespace tern

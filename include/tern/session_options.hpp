#pragma once
// What configures a session (and so a client): connect and session options,
// messages, Wills, log levels, message ids, and the message a client's
// callbacks receive. Apart from <tern/session.hpp> (the state machine, its
// actions, the codec) so that <tern/client_options.hpp> needs only this.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tern/core_types.hpp"
#include "tern/message_received.hpp"
#include "tern/payload.hpp"
#include "tern/types.hpp"

namespace tern {

/// The session never reads a clock; every time argument is a time point of this clock.
using clock = std::chrono::steady_clock;

/// The name of a log level as paho spells it ("INFO", "NOTICE", "WARNING", "ERR", "DEBUG").
std::string_view to_string(log_level level) noexcept;

/// An application message to publish. It is owned: QoS 1/2 messages are kept
/// until they are acknowledged, and re-sent after a reconnect.
struct message {
  std::string topic;   ///< a topic name: non-empty, no wildcards [MQTT-4.7.1-1]
  byte_buffer payload;  ///< any bytes, possibly none; text converts
  tern::qos qos = qos::at_most_once;  ///< QoS 0, 1 or 2
  bool retain = false;                ///< ask the broker to retain it
};

/// The Will (3.1.2.5): published by the broker if the connection ends without DISCONNECT.
struct will {
  std::string topic;   ///< a topic name [MQTT-3.1.3-10]
  byte_buffer payload;  ///< at most 65,535 bytes, possibly none; text converts
  tern::qos qos = qos::at_most_once;  ///< the Will QoS
  bool retain = false;                ///< the Will Retain flag
};

/// Settings of one connection, given to `session::connect`. Each connect may
/// change them; the in-flight messages and the queue survive the change.
struct connect_options {
  /// The client identifier. When empty and `clean_session` is on, the session
  /// generates one: "tern" + 19 characters of [0-9a-zA-Z] (23 in all, so that
  /// MQTT 3.1 brokers accept it [MQTT-3.1.3-5]), from `session_options::random_seed`.
  /// When empty and `clean_session` is off, `connect` fails with
  /// `errc::client_id_required` [MQTT-3.1.3-7]. With MQTT 3.1 an id longer than
  /// 23 bytes fails with `errc::client_id_invalid`.
  std::string client_id;
  /// The User Name; none: no authentication [MQTT-3.1.2-18].
  std::optional<std::string> user_name;
  std::optional<std::vector<std::byte>> password;  ///< needs `user_name` [MQTT-3.1.2-22]
  /// Seconds; 0 disables keep-alive [MQTT-3.1.2-23]. Default 60.
  std::uint16_t keep_alive = 60;
  /// How long to wait for PINGRESP (or any packet) after a PINGREQ before the
  /// link is declared lost with `errc::keep_alive_timeout`. Zero (the
  /// default) means half the keep-alive interval, at least 1 s (the whole
  /// interval when it is 1 s): a dead link is then noticed within 1.5
  /// intervals of the last packet received.
  std::chrono::milliseconds response_timeout{0};
  /// How long to wait for CONNACK before `errc::connect_timeout`. Default 30 s.
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(30)};
  /// Clean session [MQTT-3.1.2-4], [MQTT-3.1.2-6]. Default on.
  bool clean_session = true;
  /// The Will, published by the broker if the connection ends without DISCONNECT; none by default.
  std::optional<tern::will> will;
  /// MQTT 3.1.1 (`MQTT`, level 4, the default) or 3.1 (`MQIsdp`, level 3).
  protocol_version version = protocol_version::v3_1_1;
};

/// Settings of the session itself, fixed for its lifetime.
struct session_options {
  /// At most this many QoS 1/2 PUBLISHes unacknowledged at once; further ones
  /// wait in the queue, in order. Default 20. Must be 1-65535. Keep it at or
  /// below the broker's limit (mosquitto's `max_inflight_messages`, 20):
  /// mosquitto drops a QoS 2 message beyond it, with a PUBREC that cannot
  /// say so in MQTT 3.1.1 (docs/session.md).
  std::size_t max_inflight = 20;
  /// At most this many messages waiting (offline, or behind the window);
  /// 0 = unlimited. When full, `publish` fails with `errc::queue_full` and
  /// nothing already queued is dropped. Default 1000.
  std::size_t max_queued = 1000;
  /// When set, a QoS 0 publish while not connected fails with
  /// `errc::not_connected` instead of being queued. Default off.
  bool drop_qos0_offline = false;
  /// Largest incoming packet (its Remaining Length). A bigger one closes the
  /// link with `errc::packet_too_large`. Default 256 MiB, the protocol maximum.
  std::size_t max_packet_size = codec::default_max_packet;
  /// Seeds the generator of client identifiers. The session reads no entropy
  /// itself: tern::client passes `std::random_device{}()` here.
  std::uint64_t random_seed = 0;
  /// Which `log_level`s to emit as `log_line` actions (a bitwise or of them).
  /// Default: everything except `debug`, which logs every packet.
  std::uint8_t log_mask = 0x0F;
  /// Emit a `store_update` for every change of the state a message store
  /// keeps (QoS 1/2 messages and inbound QoS 2 ids). Off by default: a
  /// session whose state lives only in memory needs none.
  bool report_store_updates = false;
};

}  // namespace tern

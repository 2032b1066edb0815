#pragma once
// The session's state, shared by session.cpp (connection lifecycle and
// timers), session_inbound.cpp (packets from the broker) and
// session_outbound.cpp (publish, subscribe, the window and the queue).

#include <string>
#include <vector>

#include "session/inbound_qos2.hpp"
#include "session/keep_alive.hpp"
#include "session/message_ids.hpp"
#include "session/outbound_store.hpp"
#include "session/output.hpp"
#include "session/packet_id_pool.hpp"
#include "tern/codec.hpp"
#include "tern/session.hpp"

namespace tern {

enum class phase : std::uint8_t { idle, awaiting_connack, connected };

/// A SUBSCRIBE or UNSUBSCRIBE waiting for its SUBACK or UNSUBACK.
struct pending_request {
  std::uint16_t packet_id = 0;
  message_id mid = 0;
  bool subscribe = true;
  std::size_t filters = 0;  ///< SUBACK must carry this many codes [MQTT-3.9.3-1]
};

struct session::impl {
  explicit impl(const session_options& o);

  // session.cpp
  std::error_code connect(const connect_options& o, clock::time_point now);
  static std::chrono::milliseconds connack_wait(const connect_options& o) noexcept;
  void on_connack(const connack_view& c, clock::time_point now);
  void on_timer(clock::time_point now);
  /// Ends the connection: fails pending requests, emits `connection_closed`.
  void close(std::error_code reason, log_level level, clock::time_point now);
  clock::time_point next_deadline() const noexcept;
  void begin(std::vector<action>& out);
  void finish();

  // session_inbound.cpp
  void receive(clock::time_point now);
  void on_packet(const packet_view& p, clock::time_point now);
  void on_publish(const publish_view& p, clock::time_point now);
  void on_puback(std::uint16_t id, clock::time_point now);
  void on_pubrec(std::uint16_t id, clock::time_point now);
  void on_pubcomp(std::uint16_t id, clock::time_point now);
  void finish_outbound(std::uint16_t id, detail::outbound_state expected, const char* packet, clock::time_point now);
  void on_suback(const suback_view& s, clock::time_point now);
  void on_unsuback(std::uint16_t id, clock::time_point now);

  // session_outbound.cpp
  result<message_id> publish(message&& msg, clock::time_point now, message_id mid);
  result<message_id> subscribe(std::span<const subscribe_entry> filters, clock::time_point now, message_id mid);
  result<message_id> unsubscribe(std::span<const std::string_view> filters, clock::time_point now, message_id mid);
  /// Sends a SUBSCRIBE or UNSUBSCRIBE with a fresh packet id.
  result<message_id> request(packet_view p, std::size_t filters, clock::time_point now, message_id mid);
  /// The debug line of a SUBSCRIBE or UNSUBSCRIBE, in paho's wording.
  void log_request(const packet_view& p);
  /// Sends queued messages while connected and the window and ids allow.
  void pump(clock::time_point now);
  /// After CONNACK: re-sends in-flight messages [MQTT-4.4.0-1] or re-queues them.
  void resume(bool session_present, clock::time_point now);
  void send(const packet_view& p, clock::time_point now);
  void send(const publish_view& p, clock::time_point now);
  /// `wanted` when the caller chose the id (tern::client does), else the next one.
  message_id next_mid(message_id wanted = 0) noexcept;
  /// Emits `u` when the session reports store updates.
  void record(const store_update& u) {
    if (opts_.report_store_updates) out_.emit(u);
  }
  void record(store_update::kind what, message_id mid, std::uint16_t packet_id = 0) {
    if (opts_.report_store_updates) out_.emit(store_update{what, mid, packet_id, {}, {}, qos::at_most_once, false});
  }

  // session_restore.cpp
  std::error_code restore(const stored_state& state);

  session_options opts_;
  connect_options conn_;
  std::string client_id_;
  phase phase_ = phase::idle;
  codec::stream_decoder decoder_;
  detail::output out_;
  detail::packet_id_pool ids_;
  detail::inbound_qos2 inbound_;
  detail::outbound_store store_;
  detail::keep_alive keep_alive_;
  std::uint64_t packets_received_ = 0;
  std::vector<pending_request> requests_;
  std::vector<message> sent_qos0_;  ///< QoS 0 messages whose bytes this call handed out
  clock::time_point connack_due_ = clock::time_point::max();
  clock::time_point announced_ = clock::time_point::max();
  detail::message_id_counter mids_;
  std::uint64_t rng_;
};

}  // namespace tern

#pragma once
// Error codes of tern. Every failure has its own code and a message a person
// understands; tests assert on the exact code.

#include <cstdint>
#include <system_error>

#include "tern/error_code.hpp"

namespace tern {

/// Errors raised by tern itself: malformed packets (codec), invalid topics,
/// protocol violations and session failures. Category name: "tern".
enum class errc : int {
  // --- codec: the fixed header -------------------------------------------
  reserved_packet_type = 1,     ///< packet type 0 or 15 (2.2.1)
  remaining_length_too_long,    ///< Remaining Length varint longer than 4 bytes (2.2.3)
  packet_too_large,             ///< Remaining Length over the configured maximum packet size
  bad_fixed_header_flags,       ///< flags wrong for the type [MQTT-2.2.2-1], [MQTT-2.2.2-2]
  invalid_qos,                  ///< QoS bits 11 in a received packet [MQTT-3.3.1-4]
  dup_on_qos0,                  ///< DUP set on a QoS 0 PUBLISH [MQTT-3.3.1-2]
  // --- codec: the body ---------------------------------------------------
  length_prefix_overflow,       ///< a length prefix or field runs past the end of the packet
  remaining_length_mismatch,    ///< Remaining Length disagrees with the contents
  utf8_ill_formed,              ///< a string (a topic too) is not well-formed UTF-8 [MQTT-1.5.3-1]
  utf8_contains_null,           ///< a string contains U+0000 [MQTT-1.5.3-2]
  wildcard_in_topic_name,       ///< '+' or '#' in a topic name (PUBLISH, Will) [MQTT-3.3.2-2], [MQTT-4.7.1-1]
  // 12 was empty_topic_name: one code per condition, errc::empty_topic.
  zero_packet_id = 13,          ///< packet identifier 0 where one is needed [MQTT-2.3.1-1]
  no_topic_filters,             ///< SUBSCRIBE/UNSUBSCRIBE with no filter [MQTT-3.8.3-3], [MQTT-3.10.3-2]
  invalid_subscribe_options,    ///< requested-QoS byte with reserved bits or QoS 3 [MQTT-3.8.3-4]
  invalid_suback_code,          ///< SUBACK return code not 0, 1, 2 or 0x80 [MQTT-3.9.3-2]
  connack_reserved_bits,        ///< CONNACK acknowledge flags bits 7-1 set (3.2.2.1)
  invalid_connack_code,         ///< CONNACK return code over 5 (Table 3.1)
  unknown_protocol,             ///< CONNECT protocol name/level is neither MQIsdp/3 nor MQTT/4
  connect_reserved_flag,        ///< CONNECT flags bit 0 set [MQTT-3.1.2-3]
  inconsistent_will_flags,      ///< Will QoS/Retain without Will Flag, or Will QoS 3 [MQTT-3.1.2-11], [MQTT-3.1.2-14]
  password_without_user_name,   ///< Password Flag without User Name Flag [MQTT-3.1.2-22]
  string_too_long,              ///< a string or binary field over 65,535 bytes (encoding)
  // --- topic names and filters (4.7) -------------------------------------
  empty_topic,                  ///< zero-length topic name or filter (given, or in a packet) [MQTT-4.7.3-1]
  topic_too_long,               ///< over 65,535 bytes [MQTT-4.7.3-3]
  // 26 was topic_ill_formed_utf8: errc::utf8_ill_formed.
  topic_contains_null = 27,     ///< contains U+0000 [MQTT-4.7.3-2]
  // 28 was wildcard_in_name: errc::wildcard_in_topic_name.
  misplaced_hash = 29,               ///< '#' not alone in the last level [MQTT-4.7.1-2]
  misplaced_plus,               ///< '+' not alone in its level [MQTT-4.7.1-3]
  invalid_shared_subscription,  ///< `$share/<group>/<filter>` with an empty or wildcard group, or no filter
  // --- session and protocol ----------------------------------------------
  protocol_violation,           ///< the broker sent a packet a client must not receive here [MQTT-4.8.0-1]
  unexpected_packet,            ///< a packet type a client never receives (CONNECT, SUBSCRIBE, ...)
  packet_before_connack,        ///< something other than CONNACK first [MQTT-3.2.0-1]
  duplicate_connack,            ///< a second CONNACK on one connection
  keep_alive_timeout,           ///< no PINGRESP (or any packet) within the response timeout
  connect_timeout,              ///< no CONNACK within the connect timeout
  packet_id_exhausted,          ///< all 65,535 packet identifiers are in use
  queue_full,                   ///< the offline/over-window queue is at its limit
  not_connected,                ///< the operation needs a connection
  already_connected,            ///< connect while a connection is open or being opened
  client_id_required,           ///< empty client id with clean session off [MQTT-3.1.3-7]
  invalid_argument,             ///< an argument outside its documented range
  link_lost,                    ///< the transport closed the connection
  disconnected,                 ///< the connection was closed on request (DISCONNECT)
  client_id_invalid,            ///< MQTT 3.1 needs a client id of 1-23 characters (3.1 spec, 3.1)
  // 47-63 were the WebSocket errors: websocket_errc, category "tern.websocket".
  // --- arguments and the client's life (appended: the values above are stable) ---
  invalid_qos_argument = 64,         ///< a QoS argument outside 0-2 (bad wire data is `invalid_qos`)
  payload_too_large,            ///< a publish whose packet would exceed 268,435,455 bytes (2.2.3)
  stopped,                      ///< the client was stopped before the operation completed
  // --- message stores ----------------------------------------------------
  store_invalid,                ///< a restored state no session could have made (`session::restore`)
  store_locked,                 ///< another process has the message store open
  store_unknown_version,        ///< a store file of a format this version cannot read
  store_not_a_store,            ///< a file in the store's place that is no message store
};

/// CONNACK return codes other than 0 (Table 3.1), as errors. Category "tern.connack".
enum class connack_error : int {
  unacceptable_protocol_version = 1,
  identifier_rejected = 2,
  server_unavailable = 3,
  bad_user_name_or_password = 4,
  not_authorized = 5,
};

const std::error_category& tern_category() noexcept;
const std::error_category& connack_category() noexcept;

/// `e` as a `std::error_code` (what `tern::error_code::message()` and
/// `category()` call).
inline std::error_code std_error_code(const error_code& e) noexcept { return e; }

inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), tern_category()}; }
inline std::error_code make_error_code(connack_error e) noexcept {
  return {static_cast<int>(e), connack_category()};
}

}  // namespace tern

template <>
struct std::is_error_code_enum<tern::errc> : std::true_type {};
template <>
struct std::is_error_code_enum<tern::connack_error> : std::true_type {};

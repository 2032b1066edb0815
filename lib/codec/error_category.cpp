#include <string>

#include "tern/error.hpp"

namespace tern {
namespace {

const char* describe(errc e) noexcept {
  switch (e) {
    case errc::reserved_packet_type: return "malformed packet: packet type 0 or 15 is reserved";
    case errc::remaining_length_too_long: return "malformed packet: Remaining Length is longer than 4 bytes";
    case errc::packet_too_large: return "packet is larger than the maximum packet size";
    case errc::bad_fixed_header_flags: return "malformed packet: fixed header flags are wrong for the packet type";
    case errc::invalid_qos: return "malformed packet: QoS 3 is not a valid quality of service";
    case errc::dup_on_qos0: return "malformed packet: DUP flag set on a QoS 0 PUBLISH";
    case errc::length_prefix_overflow: return "malformed packet: a field is longer than the bytes left in the packet";
    case errc::remaining_length_mismatch: return "malformed packet: Remaining Length does not match the contents";
    // One code per condition, met in a packet or in an argument: the text fits both.
    case errc::utf8_ill_formed: return "a string (or topic) is not well-formed UTF-8";
    case errc::utf8_contains_null: return "malformed packet: a string contains U+0000";
    case errc::wildcard_in_topic_name: return "a topic name contains '+' or '#', which only topic filters may hold";
    case errc::empty_topic: return "a topic name or filter is empty";
    case errc::zero_packet_id: return "malformed packet: packet identifier 0 where a non-zero one is required";
    case errc::no_topic_filters: return "malformed packet: SUBSCRIBE or UNSUBSCRIBE without any topic filter";
    case errc::invalid_subscribe_options: return "malformed packet: requested QoS byte has reserved bits set or QoS 3";
    case errc::invalid_suback_code: return "malformed packet: SUBACK return code is not 0, 1, 2 or 0x80";
    case errc::connack_reserved_bits: return "malformed packet: CONNACK acknowledge flags have reserved bits set";
    case errc::invalid_connack_code: return "malformed packet: CONNACK return code is above 5";
    case errc::unknown_protocol: return "malformed packet: CONNECT protocol is neither MQIsdp/3 nor MQTT/4";
    case errc::connect_reserved_flag: return "malformed packet: CONNECT reserved flag is set";
    case errc::inconsistent_will_flags: return "malformed packet: Will QoS or Will Retain set without the Will Flag";
    case errc::password_without_user_name: return "password given without a user name";
    case errc::string_too_long: return "a string or binary field is longer than 65,535 bytes";
    case errc::topic_too_long: return "invalid topic: longer than 65,535 bytes";
    case errc::topic_contains_null: return "invalid topic: contains U+0000";
    case errc::misplaced_hash: return "invalid topic filter: '#' must be alone in the last level";
    case errc::misplaced_plus: return "invalid topic filter: '+' must fill a whole level";
    case errc::invalid_shared_subscription:
      return "invalid shared subscription: expected $share/<group>/<filter> with a non-empty group without wildcards";
    case errc::protocol_violation: return "protocol violation by the broker";
    case errc::unexpected_packet: return "protocol violation: the broker sent a packet a client never receives";
    case errc::packet_before_connack: return "protocol violation: the broker's first packet was not CONNACK";
    case errc::duplicate_connack: return "protocol violation: a second CONNACK on the same connection";
    case errc::keep_alive_timeout: return "keep-alive timeout: no answer from the broker in time";
    case errc::connect_timeout:
      return "connack timeout: no CONNACK from the broker within the connect timeout (or 1.5 times the keep-alive)";
    case errc::packet_id_exhausted: return "all 65,535 packet identifiers are in use";
    case errc::queue_full: return "the message queue is full";
    case errc::not_connected: return "not connected";
    case errc::already_connected: return "already connected or connecting";
    case errc::client_id_required: return "an empty client id needs clean session on";
    case errc::invalid_argument: return "invalid argument";
    case errc::link_lost: return "the connection to the broker was lost";
    case errc::disconnected: return "disconnected on request";
    case errc::client_id_invalid: return "MQTT 3.1 needs a client id of 1 to 23 characters";
    case errc::invalid_qos_argument: return "invalid argument: QoS must be 0, 1 or 2";
    case errc::payload_too_large:
      return "invalid argument: the payload makes the PUBLISH larger than MQTT's maximum packet size "
             "(268,435,455 bytes)";
    case errc::stopped: return "the client was stopped before the operation completed";
    case errc::store_invalid: return "message store: the stored state is inconsistent";
    case errc::store_locked: return "message store: another process has it open";
    case errc::store_unknown_version: return "message store: a file of a format this version of tern cannot read";
    case errc::store_not_a_store: return "message store: the file is not a tern message store";
  }
  return nullptr;
}

class tern_category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "tern"; }
  std::string message(int ev) const override {
    const char* s = describe(static_cast<errc>(ev));
    return s ? s : "unknown tern error " + std::to_string(ev);
  }
};

class connack_category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "tern.connack"; }
  std::string message(int ev) const override {
    switch (static_cast<connack_error>(ev)) {
      case connack_error::unacceptable_protocol_version:
        return "connection refused: unacceptable protocol version";
      case connack_error::identifier_rejected: return "connection refused: client identifier rejected";
      case connack_error::server_unavailable: return "connection refused: server unavailable";
      case connack_error::bad_user_name_or_password: return "connection refused: bad user name or password";
      case connack_error::not_authorized: return "connection refused: not authorized";
    }
    return "connection refused: return code " + std::to_string(ev);
  }
};

}  // namespace

const std::error_category& tern_category() noexcept {
  static const tern_category_impl c;
  return c;
}
const std::error_category& connack_category() noexcept {
  static const connack_category_impl c;
  return c;
}

}  // namespace tern

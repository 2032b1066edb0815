#pragma once
// The 14 MQTT 3.1/3.1.1 control packets as plain structs.
//
// Every string and byte field is a view: a decoded packet borrows the bytes
// of the buffer it was decoded from, and a packet you encode borrows your
// strings. Copy into owning types (std::string, std::vector) to keep data.

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>
#include <variant>

namespace tern {

/// Protocol level on the wire: 3 is MQTT 3.1 (`MQIsdp`), 4 is MQTT 3.1.1 (`MQTT`).
enum class protocol_version : std::uint8_t { v3_1 = 3, v3_1_1 = 4 };

/// Quality of service (4.3).
enum class qos : std::uint8_t { at_most_once = 0, at_least_once = 1, exactly_once = 2 };

/// Control packet types (2.2.1). 0 and 15 are reserved and never valid.
enum class packet_type : std::uint8_t {
  connect = 1, connack, publish, puback, pubrec, pubrel, pubcomp,
  subscribe, suback, unsubscribe, unsuback, pingreq, pingresp, disconnect
};

/// The name of a packet type in upper case ("PUBLISH"), or "RESERVED".
std::string_view to_string(packet_type t) noexcept;

using bytes_view = std::span<const std::byte>;

/// Views `s` as bytes (for payloads held in strings).
inline bytes_view as_bytes(std::string_view s) noexcept {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}
/// Views `b` as characters.
inline std::string_view as_chars(bytes_view b) noexcept {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

/// The Will (3.1.2.5-3.1.2.7, 3.1.3.2-3.1.3.3).
struct will_view {
  std::string_view topic;
  bytes_view payload;
  tern::qos qos = qos::at_most_once;
  bool retain = false;
};

/// CONNECT (3.1). Protocol name and level follow from `version`.
struct connect_view {
  protocol_version version = protocol_version::v3_1_1;
  bool clean_session = true;
  std::uint16_t keep_alive = 60;  ///< seconds; 0 disables keep-alive
  std::string_view client_id;
  std::optional<will_view> will;
  std::optional<std::string_view> user_name;
  std::optional<bytes_view> password;  ///< needs `user_name` [MQTT-3.1.2-22]
};

/// CONNACK (3.2). `session_present` is always false for MQTT 3.1.
struct connack_view {
  bool session_present = false;
  std::uint8_t return_code = 0;  ///< 0 accepted, 1-5 refused (Table 3.1)
};

/// PUBLISH (3.3). `packet_id` is 0 (and absent on the wire) for QoS 0 [MQTT-2.3.1-5].
struct publish_view {
  std::string_view topic;
  bytes_view payload;
  tern::qos qos = qos::at_most_once;
  bool retain = false;
  bool dup = false;
  std::uint16_t packet_id = 0;
};

/// The four acknowledgements of a PUBLISH and UNSUBACK: a packet id only.
struct puback { std::uint16_t packet_id = 0; };
struct pubrec { std::uint16_t packet_id = 0; };
struct pubrel { std::uint16_t packet_id = 0; };
struct pubcomp { std::uint16_t packet_id = 0; };
struct unsuback { std::uint16_t packet_id = 0; };
/// Packets with neither variable header nor payload.
struct pingreq {};
struct pingresp {};
struct disconnect {};

/// One entry of a SUBSCRIBE: a topic filter and the maximum QoS requested.
struct subscribe_entry {
  std::string_view filter;
  tern::qos max_qos = qos::at_most_once;
  friend bool operator==(const subscribe_entry&, const subscribe_entry&) = default;
};

/// The filters of a SUBSCRIBE (`Entry` = subscribe_entry) or UNSUBSCRIBE
/// (`Entry` = std::string_view). It either borrows a span of entries (what you
/// encode) or the already validated body bytes of a decoded packet, which it
/// walks lazily, so decoding allocates nothing.
template <class Entry>
class filter_list {
 public:
  filter_list() noexcept = default;
  filter_list(std::span<const Entry> entries) noexcept  // NOLINT: implicit on purpose
      : entries_(entries.data()), count_(entries.size()) {}
  /// From any contiguous container of entries (array, vector).
  template <class Range>
    requires(!std::is_same_v<std::remove_cvref_t<Range>, filter_list> &&
             std::is_convertible_v<Range&&, std::span<const Entry>>)
  filter_list(Range&& r) noexcept  // NOLINT: implicit on purpose
      : filter_list(std::span<const Entry>(r)) {}
  /// Wraps `count` validated wire entries. Used by the decoder.
  static filter_list from_wire(bytes_view wire, std::size_t count) noexcept {
    filter_list l;
    l.wire_ = wire.data();
    l.count_ = count;
    return l;
  }

  class iterator {
   public:
    using value_type = Entry;
    using difference_type = std::ptrdiff_t;
    using iterator_category = std::input_iterator_tag;
    iterator() = default;
    Entry operator*() const noexcept;
    iterator& operator++() noexcept;
    void operator++(int) noexcept { ++*this; }
    friend bool operator==(const iterator& a, const iterator& b) noexcept { return a.index_ == b.index_; }

   private:
    friend class filter_list;
    const Entry* entries_ = nullptr;
    const std::byte* wire_ = nullptr;
    std::size_t index_ = 0;
  };

  iterator begin() const noexcept { return make(0); }
  iterator end() const noexcept { return make(count_); }
  std::size_t size() const noexcept { return count_; }
  bool empty() const noexcept { return count_ == 0; }

  friend bool operator==(const filter_list& a, const filter_list& b) noexcept {
    if (a.size() != b.size()) return false;
    for (auto i = a.begin(), j = b.begin(); i != a.end(); ++i, ++j)
      if (!(*i == *j)) return false;
    return true;
  }

 private:
  iterator make(std::size_t index) const noexcept {
    iterator it;
    it.entries_ = entries_;
    it.wire_ = wire_;
    it.index_ = index;
    return it;
  }
  const Entry* entries_ = nullptr;
  const std::byte* wire_ = nullptr;
  std::size_t count_ = 0;
};

namespace detail {
inline std::string_view wire_string(const std::byte* p) noexcept {
  auto len = static_cast<std::size_t>((std::to_integer<unsigned>(p[0]) << 8) | std::to_integer<unsigned>(p[1]));
  return {reinterpret_cast<const char*>(p + 2), len};
}
}  // namespace detail

template <class Entry>
Entry filter_list<Entry>::iterator::operator*() const noexcept {
  if (entries_) return entries_[index_];
  auto s = detail::wire_string(wire_);
  if constexpr (std::is_same_v<Entry, subscribe_entry>)
    return {s, static_cast<tern::qos>(std::to_integer<unsigned>(wire_[2 + s.size()]) & 3u)};
  else
    return s;
}

template <class Entry>
typename filter_list<Entry>::iterator& filter_list<Entry>::iterator::operator++() noexcept {
  if (!entries_) {
    auto s = detail::wire_string(wire_);
    wire_ += 2 + s.size() + (std::is_same_v<Entry, subscribe_entry> ? 1 : 0);
  }
  ++index_;
  return *this;
}

/// SUBSCRIBE (3.8). Needs at least one entry [MQTT-3.8.3-3].
struct subscribe_view {
  std::uint16_t packet_id = 0;
  filter_list<subscribe_entry> entries;
};

/// SUBACK (3.9): one return code per filter, in order: 0, 1, 2, or 0x80 (failure).
struct suback_view {
  std::uint16_t packet_id = 0;
  std::span<const std::uint8_t> return_codes;
};
inline constexpr std::uint8_t suback_failure = 0x80;

/// UNSUBSCRIBE (3.10). Needs at least one filter [MQTT-3.10.3-2].
struct unsubscribe_view {
  std::uint16_t packet_id = 0;
  filter_list<std::string_view> filters;
};

/// Any control packet. The alternative's index + 1 is its `packet_type`.
using packet_view = std::variant<connect_view, connack_view, publish_view, puback, pubrec, pubrel, pubcomp,
                                 subscribe_view, suback_view, unsubscribe_view, unsuback, pingreq, pingresp,
                                 disconnect>;

/// The type of a packet held in a `packet_view`.
inline packet_type type_of(const packet_view& p) noexcept { return static_cast<packet_type>(p.index() + 1); }

// Field-by-field equality, for tests and the round-trip fuzzer (views compare by content).
bool operator==(const will_view&, const will_view&) noexcept;
bool operator==(const connect_view&, const connect_view&) noexcept;
bool operator==(const connack_view&, const connack_view&) noexcept;
bool operator==(const publish_view&, const publish_view&) noexcept;
bool operator==(const subscribe_view&, const subscribe_view&) noexcept;
bool operator==(const suback_view&, const suback_view&) noexcept;
bool operator==(const unsubscribe_view&, const unsubscribe_view&) noexcept;
inline bool operator==(puback a, puback b) noexcept { return a.packet_id == b.packet_id; }
inline bool operator==(pubrec a, pubrec b) noexcept { return a.packet_id == b.packet_id; }
inline bool operator==(pubrel a, pubrel b) noexcept { return a.packet_id == b.packet_id; }
inline bool operator==(pubcomp a, pubcomp b) noexcept { return a.packet_id == b.packet_id; }
inline bool operator==(unsuback a, unsuback b) noexcept { return a.packet_id == b.packet_id; }
inline bool operator==(pingreq, pingreq) noexcept { return true; }
inline bool operator==(pingresp, pingresp) noexcept { return true; }
inline bool operator==(disconnect, disconnect) noexcept { return true; }

}  // namespace tern

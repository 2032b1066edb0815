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

#include "tern/types.hpp"

namespace tern {

/// Control packet types (2.2.1). 0 and 15 are reserved and never valid.
enum class packet_type : std::uint8_t {
  connect = 1, connack, publish, puback, pubrec, pubrel, pubcomp,
  subscribe, suback, unsubscribe, unsuback, pingreq, pingresp, disconnect
};

/// The name of a packet type in upper case ("PUBLISH"), or "RESERVED".
std::string_view to_string(packet_type t) noexcept;


/// The Will (3.1.2.5-3.1.2.7, 3.1.3.2-3.1.3.3).
struct will_view {
  std::string_view topic;             ///< a topic name (no wildcards) [MQTT-3.1.3-10]
  bytes_view payload;                 ///< any bytes, up to 65,535
  tern::qos qos = qos::at_most_once;  ///< the Will QoS
  bool retain = false;                ///< the Will Retain flag
};

/// CONNECT (3.1). Protocol name and level follow from `version`.
struct connect_view {
  protocol_version version = protocol_version::v3_1_1;  ///< MQTT/4 (3.1.1) or MQIsdp/3 (3.1)
  bool clean_session = true;                            ///< the Clean Session flag [MQTT-3.1.2-4]
  std::uint16_t keep_alive = 60;  ///< seconds; 0 disables keep-alive
  std::string_view client_id;     ///< may be empty in 3.1.1 with clean session [MQTT-3.1.3-6]
  std::optional<will_view> will;  ///< the Will, if any
  std::optional<std::string_view> user_name;  ///< the User Name, if any
  std::optional<bytes_view> password;  ///< needs `user_name` [MQTT-3.1.2-22]
};

/// CONNACK (3.2). `session_present` is always false for MQTT 3.1.
struct connack_view {
  bool session_present = false;  ///< the broker resumed a stored session [MQTT-3.2.2-2]
  std::uint8_t return_code = 0;  ///< 0 accepted, 1-5 refused (Table 3.1)
};

/// PUBLISH (3.3). `packet_id` is 0 (and absent on the wire) for QoS 0 [MQTT-2.3.1-5].
struct publish_view {
  std::string_view topic;             ///< a topic name (no wildcards) [MQTT-3.3.2-2]
  bytes_view payload;                 ///< the application message, any bytes
  tern::qos qos = qos::at_most_once;  ///< QoS 0, 1 or 2
  bool retain = false;                ///< the RETAIN flag
  bool dup = false;                   ///< the DUP flag: a re-delivery (never on QoS 0 [MQTT-3.3.1-2])
  std::uint16_t packet_id = 0;        ///< non-zero for QoS 1 and 2
};

/// PUBACK (3.4): a QoS 1 PUBLISH acknowledged.
struct puback {
  std::uint16_t packet_id = 0;  ///< the PUBLISH's
};
/// PUBREC (3.5): a QoS 2 PUBLISH received, the first answer.
struct pubrec {
  std::uint16_t packet_id = 0;  ///< the PUBLISH's
};
/// PUBREL (3.6): the answer to PUBREC.
struct pubrel {
  std::uint16_t packet_id = 0;  ///< the PUBLISH's
};
/// PUBCOMP (3.7): a QoS 2 exchange completed.
struct pubcomp {
  std::uint16_t packet_id = 0;  ///< the PUBLISH's
};
/// UNSUBACK (3.11).
struct unsuback {
  std::uint16_t packet_id = 0;  ///< the UNSUBSCRIBE's
};
/// Packets with neither variable header nor payload.
struct pingreq {};
struct pingresp {};
struct disconnect {};

/// One entry of a SUBSCRIBE: a topic filter and the maximum QoS requested.
struct subscribe_entry {
  std::string_view filter;                ///< a topic filter
  tern::qos max_qos = qos::at_most_once;  ///< the Requested QoS
  /// Field by field.
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
  /// Borrows `entries`, which must outlive the list.
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

  /// An input iterator over the entries; each is made when dereferenced
  /// (views into the borrowed entries or the wire bytes).
  class iterator {
   public:
    /// The standard iterator types.
    ///@{
    using value_type = Entry;
    using difference_type = std::ptrdiff_t;
    using iterator_category = std::input_iterator_tag;
    ///@}
    iterator() = default;
    /// The entry (by value: a view of the filter).
    Entry operator*() const noexcept;
    /// The next entry.
    ///@{
    iterator& operator++() noexcept;
    void operator++(int) noexcept { ++*this; }
    ///@}
    /// Same position in the same list.
    friend bool operator==(const iterator& a, const iterator& b) noexcept { return a.index_ == b.index_; }

   private:
    friend class filter_list;
    const Entry* entries_ = nullptr;
    const std::byte* wire_ = nullptr;
    std::size_t index_ = 0;
  };

  /// The entries, in order.
  ///@{
  iterator begin() const noexcept { return make(0); }
  iterator end() const noexcept { return make(count_); }
  ///@}
  /// The number of entries.
  std::size_t size() const noexcept { return count_; }
  /// `size() == 0`.
  bool empty() const noexcept { return count_ == 0; }

  /// The same entries in the same order, wherever each list keeps them.
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
  std::uint16_t packet_id = 0;           ///< non-zero [MQTT-2.3.1-1]
  filter_list<subscribe_entry> entries;  ///< the filters with their Requested QoS
};

/// SUBACK (3.9): one return code per filter, in order: 0, 1, 2, or 0x80 (failure).
struct suback_view {
  std::uint16_t packet_id = 0;                 ///< the SUBSCRIBE's
  std::span<const std::uint8_t> return_codes;  ///< one per filter of the SUBSCRIBE, in order
};

/// UNSUBSCRIBE (3.10). Needs at least one filter [MQTT-3.10.3-2].
struct unsubscribe_view {
  std::uint16_t packet_id = 0;            ///< non-zero [MQTT-2.3.1-1]
  filter_list<std::string_view> filters;  ///< the topic filters to remove
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

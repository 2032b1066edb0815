#pragma once
// Topic names, topic filters and the subscription trie (MQTT 3.1.1 section
// 4.7). Sans-I/O: no sockets, no clock, no exceptions on the validation and
// matching paths. See docs/topics.md.
//
// A *topic name* is what a PUBLISH carries ("sport/tennis/player1"); a *topic
// filter* is what a SUBSCRIBE carries and may hold the wildcards '+' (exactly
// one level) and '#' (any number of levels, last). Levels are separated by '/'
// and compared byte for byte: case, spaces and empty levels all count.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "tern/error.hpp"
#include "tern/result.hpp"

namespace tern {

/// The longest topic name or filter: 65,535 bytes of UTF-8 [MQTT-4.7.3-3].
inline constexpr std::size_t max_topic_length = 65'535;

/// The prefix of a shared subscription, `$share/<group>/<filter>`.
inline constexpr std::string_view shared_subscription_prefix = "$share/";

// --- validation ------------------------------------------------------------

/// Checks a topic name, as sent in a PUBLISH or a Will Topic.
///
/// A valid name is 1 to 65,535 bytes of well-formed UTF-8 without U+0000 and
/// without '+' or '#'. Names starting with '$' ("$SYS/broker/load") are valid.
///
/// @param name the topic name; any bytes.
/// @return a default (success) `std::error_code`, or, checked in this order:
///   - `errc::empty_topic` if `name` is empty [MQTT-4.7.3-1];
///   - `errc::topic_too_long` if it is longer than 65,535 bytes [MQTT-4.7.3-3];
///   - `errc::utf8_ill_formed` if it is not well-formed UTF-8 [MQTT-1.5.3-1];
///   - `errc::topic_contains_null` if it contains U+0000 [MQTT-4.7.3-2];
///   - `errc::wildcard_in_topic_name` if it contains '+' or '#' [MQTT-4.7.1-1].
///
/// **Thread safety:** a pure function.
std::error_code validate_topic_name(std::string_view name) noexcept;

/// Checks a topic filter, as sent in a SUBSCRIBE or UNSUBSCRIBE.
///
/// A valid filter is 1 to 65,535 bytes of well-formed UTF-8 without U+0000 in
/// which '#' appears only as the whole last level and '+' only as a whole
/// level: "#", "+", "a/#", "+/b/+", "/" and "a//b" are valid; "a#", "a/#/b",
/// "a+" and "+a/b" are not.
///
/// A filter starting with `$share/` is a shared subscription and must have the
/// form `$share/<group>/<filter>`, where `<group>` is non-empty and holds
/// neither '+' nor '#' (nor '/', which ends it), and `<filter>` is itself a
/// valid filter. A filter that is exactly `$share` or starts with, say,
/// `$shared/` is an ordinary filter.
///
/// @param filter the topic filter; any bytes.
/// @return a default (success) `std::error_code`, or, checked in this order:
///   - `errc::empty_topic` if `filter` is empty [MQTT-4.7.3-1];
///   - `errc::topic_too_long` if it is longer than 65,535 bytes [MQTT-4.7.3-3];
///   - `errc::utf8_ill_formed` if it is not well-formed UTF-8 [MQTT-1.5.3-1];
///   - `errc::topic_contains_null` if it contains U+0000 [MQTT-4.7.3-2];
///   - `errc::invalid_shared_subscription` for `$share/` with an empty group, a
///     group holding a wildcard, or nothing after the group;
///   - `errc::misplaced_hash` if a '#' is not alone in the last level [MQTT-4.7.1-2];
///   - `errc::misplaced_plus` if a '+' is not alone in its level [MQTT-4.7.1-3].
///   When both wildcard errors are present, the first one in the filter wins.
///
/// **Thread safety:** a pure function.
std::error_code validate_topic_filter(std::string_view filter) noexcept;

// --- shared subscriptions --------------------------------------------------

/// The two parts of `$share/<group>/<filter>`, borrowed from the input.
struct shared_subscription_view {
  std::string_view group;   ///< between `$share/` and the next '/'
  std::string_view filter;  ///< everything after that '/'; empty if there is none
};

/// Splits a shared subscription into its group and its filter.
///
/// @param filter any topic filter; it is not validated.
/// @return `std::nullopt` unless `filter` starts with `$share/`; otherwise the
///   group (up to the next '/', or to the end) and the filter after it.
///   `"$share/g/a/+"` gives `{"g", "a/+"}`, `"$share/g"` gives `{"g", ""}`.
///
/// **Thread safety:** a pure function.
std::optional<shared_subscription_view> split_shared_subscription(std::string_view filter) noexcept;

/// The filter a local dispatcher matches for `filter`: the `<filter>` of a
/// shared subscription `$share/<group>/<filter>`, else `filter` itself.
///
/// A broker delivers messages of a shared subscription under their original
/// topic name, so the client matches them against `<filter>`.
///
/// **Thread safety:** a pure function.
std::string_view dispatch_filter(std::string_view filter) noexcept;

// --- matching --------------------------------------------------------------

/// Whether topic filter `filter` matches topic name `name` (4.7).
///
/// - Levels are compared byte for byte: "ACCOUNTS" does not match "Accounts",
///   and "/finance" does not match "finance" [MQTT-4.7.3-4].
/// - '+' matches exactly one level, which may be empty: "+/+" and "/+" match
///   "/finance", "+" does not; "sport/+" matches "sport/" but not "sport".
/// - A final '#' matches any number of levels, including none after its
///   parent: "sport/#" matches "sport", "sport/" and "sport/tennis/player1".
/// - A filter starting with '+' or '#' does not match a name starting with '$'
///   [MQTT-4.7.2-1]: "#" does not match "$SYS/uptime"; "$SYS/#" does.
/// - A shared subscription matches what its `<filter>` matches
///   (see `dispatch_filter`).
///
/// @param filter a valid topic filter (see `validate_topic_filter`).
/// @param name a valid topic name (see `validate_topic_name`).
/// @return whether they match. For invalid arguments the result is
///   unspecified, but the call is still safe: it reads only inside both views.
///
/// Cost: linear in the length of the shorter argument; no allocation.
///
/// **Thread safety:** a pure function.
bool matches(std::string_view filter, std::string_view name) noexcept;

/// Whether filter `outer` matches every topic name that filter `inner`
/// matches: "users/+/#" covers "users/ann/inbox" and "users/ann/#", not
/// "users/#"; "a/#" covers "a"; "#" does not cover "$SYS/#" [MQTT-4.7.2-1].
/// For an access check: a subscription to `inner` reads only what `outer`
/// allows. Shared subscriptions are compared by their `<filter>`.
///
/// @param outer, inner valid topic filters (a topic name is a filter too).
///
/// Cost: linear in the shorter argument; no allocation.
///
/// **Thread safety:** a pure function.
bool covers(std::string_view outer, std::string_view inner) noexcept;

// --- validated value types -------------------------------------------------

/// An owning, valid topic name. The only way to get one is `make`, so holding
/// a `topic_name` proves the name passed `validate_topic_name`.
///
/// **Thread safety:** a plain value type.
class topic_name {
 public:
  /// Validates `name` and takes it. Errors: those of `validate_topic_name`.
  static result<topic_name> make(std::string name);

  /// The name; valid while the object is.
  ///@{
  const std::string& str() const noexcept { return s_; }
  std::string_view view() const noexcept { return s_; }
  ///@}
  /// Byte for byte.
  friend bool operator==(const topic_name&, const topic_name&) = default;

 private:
  explicit topic_name(std::string s) noexcept : s_(std::move(s)) {}
  std::string s_;
};

/// An owning, valid topic filter. The only way to get one is `make`, so holding
/// a `topic_filter` proves the filter passed `validate_topic_filter`.
///
/// **Thread safety:** a plain value type.
class topic_filter {
 public:
  /// Validates `filter` and takes it. Errors: those of `validate_topic_filter`.
  static result<topic_filter> make(std::string filter);

  /// The filter as subscribed, including any `$share/<group>/` prefix.
  ///@{
  const std::string& str() const noexcept { return s_; }
  std::string_view view() const noexcept { return s_; }
  ///@}
  /// Whether this is a shared subscription `$share/<group>/<filter>`.
  bool is_shared() const noexcept { return split_shared_subscription(s_).has_value(); }
  /// The filter that local dispatch matches (see `tern::dispatch_filter`).
  std::string_view dispatch_view() const noexcept { return dispatch_filter(s_); }
  /// Shorthand for `tern::matches(*this, name)`.
  bool matches(std::string_view name) const noexcept { return tern::matches(s_, name); }
  /// Byte for byte (a shared and a plain subscription of one filter differ).
  friend bool operator==(const topic_filter&, const topic_filter&) = default;

 private:
  explicit topic_filter(std::string s) noexcept : s_(std::move(s)) {}
  std::string s_;
};

// --- the subscription trie -------------------------------------------------

namespace detail {
template <class T>
struct trie_node;
}

/// Maps topic filters to values and finds, for a topic name, every value whose
/// filter matches it: the client's dispatcher (per-filter `on_topic` handlers
/// and the `on_message` fallback are its values).
///
/// Each node is one filter level. Exact levels sit in a hash map per node
/// (looked up by `std::string_view`, without allocating); '+' and '#' have
/// dedicated child slots, so a lookup costs a few hash probes per level of the
/// topic name, whatever the number of filters. A filter may hold several
/// values, kept in insertion order; equal values are allowed.
///
/// A shared subscription `$share/<group>/<filter>` is stored under `<filter>`
/// (see `dispatch_filter`): it matches what `<filter>` matches, and `erase`,
/// `erase_if` and `count` with the same `$share/...` string find it. The group
/// is not part of the key: "$share/g1/a", "$share/g2/a" and "a" share one
/// node, so tell their values apart by value if you need to.
///
/// Nodes that hold no value and no child are removed as soon as an erase
/// empties them, so the trie's size follows its contents (`node_count`).
///
/// No member is recursive: depth-65,535 filters cannot overflow the stack.
///
/// @tparam T the value type; movable. `erase(filter, value)` needs `T == T`.
///
/// **Thread safety:** distinct objects safe, shared objects unsafe. Const
/// members (`for_each_match`, `count`, ...) may run concurrently with each
/// other, never with a modifying member. The callback of `for_each_match` must
/// not modify the trie it is called from.
template <class T>
class topic_trie {
 public:
  using value_type = T;  ///< what each filter holds

  topic_trie();
  ~topic_trie();
  /// Takes `other`'s filters and values; `other` is left empty.
  ///@{
  topic_trie(topic_trie&& other) noexcept;
  topic_trie& operator=(topic_trie&& other) noexcept;
  ///@}
  topic_trie(const topic_trie&) = delete;
  topic_trie& operator=(const topic_trie&) = delete;

  /// Adds `value` under `filter`, after any values already there.
  ///
  /// @param filter a topic filter, validated first (`validate_topic_filter`).
  /// @param value stored as is; several values per filter are allowed.
  /// @return success, or the validation error; the trie is then unchanged.
  /// May throw `std::bad_alloc`, leaving the trie as it was.
  std::error_code insert(std::string_view filter, T value);

  /// Removes every value under `filter` for which `pred(const T&)` is true,
  /// then prunes nodes left empty. Invalid filters hold nothing.
  ///
  /// @return the number of values removed.
  template <class Pred>
  std::size_t erase_if(std::string_view filter, Pred pred);

  /// Removes every value equal to `value` under `filter`.
  /// @return the number of values removed.
  std::size_t erase(std::string_view filter, const T& value) {
    return erase_if(filter, [&value](const T& v) { return v == value; });
  }

  /// Removes all values under `filter`.
  /// @return the number of values removed.
  std::size_t erase(std::string_view filter) {
    return erase_if(filter, [](const T&) { return true; });
  }

  /// Calls `fn(const T&)` for every value whose filter matches topic name
  /// `name` (with the semantics of `tern::matches`), in unspecified order.
  ///
  /// Walks `std::string_view` levels of `name`: it neither copies the name nor
  /// allocates. `name` is not validated; pass a validated one (a PUBLISH
  /// decoded by the codec is). `fn` must not modify this trie.
  ///
  /// @return the number of calls made, so a caller can fall back (to
  ///   `on_message`, say) when it is 0.
  template <class Fn>
  std::size_t for_each_match(std::string_view name, Fn&& fn) const;

  /// The number of values stored under exactly `filter` (after
  /// `dispatch_filter`); 0 for an invalid filter.
  std::size_t count(std::string_view filter) const noexcept;

  /// The number of values in the trie.
  std::size_t size() const noexcept { return size_; }
  /// `size() == 0`.
  bool empty() const noexcept { return size_ == 0; }
  /// The number of nodes besides the root: 0 when the trie is empty.
  std::size_t node_count() const noexcept { return nodes_; }

  /// Removes every value and node.
  void clear() noexcept;

 private:
  using node = detail::trie_node<T>;

  const node* find_node(std::string_view filter) const noexcept;
  void prune(node* n, std::string_view consumed) noexcept;

  node root_;  // a moved-from trie is empty and usable
  std::size_t size_ = 0;
  std::size_t nodes_ = 0;
};

}  // namespace tern

#include "tern/detail/topic_trie_impl.hpp"

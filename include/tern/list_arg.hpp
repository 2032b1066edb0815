#pragma once
// Arguments of the light public headers (<tern/client.hpp>,
// <tern/web/mqtt.hpp>) that take a list of topic filters: a braced list, or
// any standard container.

#include <concepts>
#include <cstddef>
#include <initializer_list>
#include <type_traits>

#include "tern/array_view.hpp"
#include "tern/core_types.hpp"
#include "tern/owned_array.hpp"
#include "tern/string_ref.hpp"

namespace tern {

/// A topic filter and the QoS asked for, as `client::subscribe` takes them:
/// `{"a/#", qos::at_least_once}`, or a `std::pair<std::string, qos>`.
struct filter_qos {
  string_ref filter;                  ///< the topic filter
  tern::qos qos = qos::at_most_once;  ///< the maximum QoS asked for
  filter_qos() noexcept = default;
  /// A filter and its QoS.
  filter_qos(string_ref f, tern::qos q = qos::at_most_once) noexcept : filter(f), qos(q) {}  // NOLINT
  /// A pair (`std::pair<std::string, qos>`) of a filter and its QoS.
  template <class P>
    requires requires(const P& p) {
      string_ref(p.first);
      { p.second } -> std::convertible_to<tern::qos>;
    }
  filter_qos(const P& p) noexcept : filter(p.first), qos(p.second) {}  // NOLINT: implicit on purpose
};

/// A list argument: a braced list of `T`, or any range whose elements make a
/// `T` (a `std::vector<std::string>` for `string_ref`, a vector of pairs for
/// `filter_qos`). Meant as a parameter type: it views the argument, and
/// must not outlive the call.
template <class T>
class list_arg {
 public:
  /// A braced list.
  list_arg(std::initializer_list<T> list) noexcept {  // NOLINT: implicit on purpose
    items_ = list.begin();  // the list lives until the end of the call's full expression
    size_ = list.size();
  }
  /// A container whose elements make a `T` (they must be lvalues: a `T`
  /// may view them).
  template <class R>
    requires(!std::is_same_v<std::remove_cvref_t<R>, list_arg> && requires(const R& r) {
      r.size();
      T(*r.begin());
      r.end();
    } && std::is_lvalue_reference_v<decltype(*static_cast<const R*>(nullptr)->begin())>)
  list_arg(const R& range) : size_(range.size()), owned_(size_) {  // NOLINT: implicit on purpose
    std::size_t i = 0;
    for (const auto& x : range) owned_[i++] = T(x);
    items_ = owned_.data();
  }
  list_arg(const list_arg&) = delete;
  list_arg& operator=(const list_arg&) = delete;

  /// The elements.
  array_view<const T> items() const noexcept { return {items_, size_}; }

 private:
  const T* items_ = nullptr;
  std::size_t size_ = 0;
  owned_array<T> owned_;  // the copy of a container's elements; freed if one throws
};

}  // namespace tern

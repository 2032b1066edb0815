#pragma once
// tern::callback<R(Args...)>: a copyable callable, as std::function, for the
// light public headers (<tern/client.hpp>): <functional> brings some 40,000
// lines. Built from a lambda, a function pointer or a std::function.

#include <concepts>
#include <type_traits>

namespace tern {
namespace detail {

// F can be called with Args and its result used as an R (or ignored, for void).
template <class F, class R, class... Args>
concept callable_as = requires(F& f, Args&&... a) { f(static_cast<Args&&>(a)...); } &&
                      (std::is_void_v<R> || requires(F& f, Args&&... a) {
                        { f(static_cast<Args&&>(a)...) } -> std::convertible_to<R>;
                      });

}  // namespace detail

template <class Signature>
class callback;

/// Holds any copyable callable with the signature `R(Args...)`, or nothing.
/// An empty `std::function` makes an empty callback.
///
/// **Thread safety:** a plain value type; calling it is as thread-safe as
/// the callable it holds.
template <class R, class... Args>
class callback<R(Args...)> {
 public:
  /// Empty.
  callback() noexcept = default;
  /// Empty.
  callback(decltype(nullptr)) noexcept {}  // NOLINT: implicit on purpose
  /// Holds a copy of `f` (moved when an rvalue).
  template <class F>
    requires(!std::is_same_v<std::remove_cvref_t<F>, callback> && std::is_copy_constructible_v<std::decay_t<F>> &&
             detail::callable_as<std::decay_t<F>, R, Args...>)
  callback(F&& f) {  // NOLINT: implicit on purpose
    using stored = std::decay_t<F>;
    if constexpr (std::is_pointer_v<stored> || std::is_constructible_v<bool, const stored&>) {
      if (!f) return;  // a null function pointer, an empty std::function
    }
    target_ = new stored(static_cast<F&&>(f));
    ops_ = &ops_for<stored>;
  }
  /// A copy of `o`'s callable; moving leaves `o` empty.
  ///@{
  callback(const callback& o) : target_(o.ops_ ? o.ops_->clone(o.target_) : nullptr), ops_(o.ops_) {}
  callback(callback&& o) noexcept : target_(o.target_), ops_(o.ops_) {
    o.target_ = nullptr;
    o.ops_ = nullptr;
  }
  callback& operator=(const callback& o) {
    if (this != &o) {
      callback copy(o);
      swap(copy);
    }
    return *this;
  }
  callback& operator=(callback&& o) noexcept {
    callback moved(static_cast<callback&&>(o));
    swap(moved);
    return *this;
  }
  ///@}
  ~callback() {
    if (ops_) ops_->destroy(target_);
  }

  /// Whether it holds a callable.
  explicit operator bool() const noexcept { return ops_ != nullptr; }
  /// Calls the callable; it must hold one.
  R operator()(Args... args) const { return ops_->invoke(target_, static_cast<Args&&>(args)...); }

 private:
  struct ops {
    R (*invoke)(void*, Args&&...);
    void* (*clone)(const void*);
    void (*destroy)(void*) noexcept;
  };
  template <class F>
  static constexpr ops ops_for{
      [](void* t, Args&&... args) -> R {
        if constexpr (std::is_void_v<R>)
          (*static_cast<F*>(t))(static_cast<Args&&>(args)...);
        else
          return (*static_cast<F*>(t))(static_cast<Args&&>(args)...);
      },
      [](const void* t) -> void* { return new F(*static_cast<const F*>(t)); },
      [](void* t) noexcept { delete static_cast<F*>(t); },
  };

  void swap(callback& o) noexcept {
    void* t = target_;
    target_ = o.target_;
    o.target_ = t;
    const ops* p = ops_;
    ops_ = o.ops_;
    o.ops_ = p;
  }

  void* target_ = nullptr;
  const ops* ops_ = nullptr;
};

}  // namespace tern

#pragma once
// A member made at its first use. With thousands of connections in one
// process, what only some connections need (a reconnect timer, a book of
// pending subscriptions) should cost the others nothing but a pointer.

#include <memory>
#include <utility>

namespace tern::detail {

template <class T>
class lazy {
 public:
  /// The object, made from `args` if it does not exist yet.
  template <class... Args>
  T& get(Args&&... args) {
    if (!p_) p_ = std::make_unique<T>(std::forward<Args>(args)...);
    return *p_;
  }
  /// The object, or null when it was never needed.
  T* find() const noexcept { return p_.get(); }
  /// Destroys the object; the next get() makes a new one.
  void reset() noexcept { p_.reset(); }

 private:
  std::unique_ptr<T> p_;
};

}  // namespace tern::detail

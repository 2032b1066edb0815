#include "store/store_state.hpp"
#include "tern/error.hpp"
#include "tern/store.hpp"

namespace tern {

memory_store::memory_store() : state_(std::make_unique<detail::store_state>()) {}
memory_store::~memory_store() = default;

stored_state memory_store::load() const {
  std::lock_guard lock(m_);
  return state_->snapshot();
}

std::error_code memory_store::apply(const store_update& u) {
  std::lock_guard lock(m_);
  if (!state_->apply(u)) return errc::store_invalid;
  ++applied_;
  return {};
}

std::uint64_t memory_store::durable_updates() const noexcept {
  std::lock_guard lock(m_);
  return applied_;
}

}  // namespace tern

#pragma once
// The configuration keys with what reads each into `settings`
// (config_keys.cpp); config_keys() is its docs' view.

#include <span>

#include "tern/web/config.hpp"
#include "web/config_reader.hpp"
#include "web/settings.hpp"

namespace tern::web::detail {

struct key_spec {
  config_key key;
  /// Reads the key, when set, into `s`; throws config_error for a bad value.
  void (*read)(const reader& r, settings& s);
};

/// Every key, in the order of the docs table.
std::span<const key_spec> key_table() noexcept;

}  // namespace tern::web::detail

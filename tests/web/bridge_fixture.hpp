#pragma once
// What the bridge's tests share: requests as a binding would pass them, a
// facade connected to a scripted broker with a bridge on it, and opening a
// stream or socket that must not be refused.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "scripted_broker.hpp"
#include "tern/web/bridge.hpp"

namespace tern::web::test {

/// `GET path?topic=...` from `identity` (and `origin`, when not empty).
inline http_request get(std::string_view path, std::vector<std::string> filters = {}, std::string_view identity = {},
                        std::string_view origin = {}) {
  http_request r;
  r.method = "GET";
  r.path = path;
  for (auto& f : filters) r.query.emplace_back("topic", std::move(f));
  r.identity = identity;
  r.origin = origin;
  return r;
}

/// The stream or socket `v` opened; a refusal fails the test.
template <class T>
std::shared_ptr<T> opened(std::variant<std::shared_ptr<T>, http_response> v) {
  if (auto* refused = std::get_if<http_response>(&v)) {
    ADD_FAILURE() << "refused: " << refused->status << " " << refused->body;
    return nullptr;
  }
  return std::get<std::shared_ptr<T>>(std::move(v));
}

inline bridge_options open_access() {
  bridge_options o;
  o.open_access = true;
  return o;
}

/// A connected facade on a scripted broker, and a bridge with `o` on it.
/// With `echo`, what the facade publishes comes back to it.
struct bridged {
  scripted s;
  fake_broker broker{s.fn()};
  mqtt m;
  std::unique_ptr<bridge> b;
  explicit bridged(bridge_options o = {}, bool echo = false) {
    {
      std::lock_guard lock(s.m);
      s.echo = echo;
    }
    m.init_app(config_for(broker));
    b = std::make_unique<bridge>(m, std::move(o));
  }
  std::vector<std::string> subscribed() {
    std::vector<std::string> out;
    for (auto& [n, f] : s.subs()) out.push_back(f);
    return out;
  }
  std::vector<std::string> unsubscribed() {
    std::lock_guard lock(s.m);
    return s.unsubscribed;
  }
};

}  // namespace tern::web::test

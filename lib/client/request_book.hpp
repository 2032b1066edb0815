#pragma once
// What the client keeps of its callers' requests, on its strand: the
// subscriptions it renews after a reconnect that did not resume the session,
// the subscribe and unsubscribe calls made while offline (sent after the
// next CONNACK, in order), and the completions callers asked for, by message
// id. The ids themselves come from the session's one counter
// (session::next_message_id).

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

#include "tern/array_view.hpp"
#include "tern/callback.hpp"
#include "tern/session.hpp"

namespace tern::detail {

struct request_book {
  std::map<std::string, qos, std::less<>> subscriptions;
  struct offline_request {
    message_id mid;
    bool subscribe;
    std::vector<std::pair<std::string, qos>> filters;
  };
  std::vector<offline_request> offline;
  std::unordered_map<message_id, callback<void(error_code, message_id)>> publish_done;
  std::unordered_map<message_id, callback<void(error_code, array_view<const std::uint8_t>)>> subscribe_done;
  std::unordered_map<message_id, callback<void(error_code)>> unsubscribe_done;

  /// Removes and returns the completion for `mid` of `m`; empty if there is none.
  template <class Map>
  static typename Map::mapped_type take(Map& m, message_id mid) {
    auto it = m.find(mid);
    if (it == m.end()) return {};
    auto f = std::move(it->second);
    m.erase(it);
    return f;
  }
};

}  // namespace tern::detail

#pragma once
// The client's per-filter message handlers (client::add_topic_handler): a
// topic trie of them, each handler's filter by id (for removal), and the
// next id, handed out on the caller's thread.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "tern/callback.hpp"
#include "tern/session.hpp"
#include "tern/topic.hpp"

namespace tern::detail {

struct topic_handlers {
  struct handler {
    std::uint64_t id;
    std::shared_ptr<callback<void(const message_received&)>> fn;
    bool operator==(const handler& o) const noexcept { return id == o.id; }
  };
  struct table {
    topic_trie<handler> trie;
    std::unordered_map<std::uint64_t, std::string> filters;
  };
  // Made at the first handler added: most clients of a many-connection
  // process have none, and the empty trie and map cost 130 bytes each.
  std::unique_ptr<table> handlers;        // strand only
  std::atomic<std::uint64_t> next_id{1};  // any thread
};

}  // namespace tern::detail

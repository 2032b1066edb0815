#pragma once
// What the Beast binding's connections share: the bridge, the options, and
// the registry of open connections that `stop` closes.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "tern/beast/binding.hpp"
#include "tern/web/bridge.hpp"

namespace tern::beast_binding::detail {

namespace net = boost::asio;
using tcp = net::ip::tcp;

/// A connection `stop` can end. `shut()` may be called from any thread; it
/// posts to the connection's strand.
class connection {
 public:
  virtual ~connection() = default;
  virtual void shut() = 0;
};

struct state {
  state(net::io_context& io, web::mqtt& m, options o);

  net::io_context& ioc;
  const options opts;
  // Request handlers hold it shared while they use the bridge; ~binding
  // takes it exclusively to detach (connections may outlive the binding).
  mutable std::shared_mutex bridge_m;
  web::mqtt* facade;
  std::unique_ptr<web::bridge> bridge;
  std::atomic<bool> stopped{false};

  std::mutex m;  // below
  std::vector<std::weak_ptr<connection>> open;
  std::string last_error;

  /// Keeps `c` for `shut_all`; refused (false) once stopped.
  bool enroll(const std::shared_ptr<connection>& c);
  void shut_all();
  /// The path of `target` after the prefix ("/publish"), or nothing when it
  /// is not under the prefix. The query is split off into `query`.
  std::optional<std::string> local_path(std::string_view target, std::string_view& query) const;
};

/// Starts serving an accepted connection: reads its requests.
void serve_http(std::shared_ptr<state> st, tcp::socket socket);

}  // namespace tern::beast_binding::detail

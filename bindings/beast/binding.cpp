// tern::beast_binding::binding: the listener, the registry of connections,
// and stopping.

#include "tern/beast/binding.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/error.hpp>

#include "state.hpp"
#include "tern/web/config.hpp"
#include "tern/web/mqtt.hpp"

namespace tern::beast_binding {

namespace detail {

namespace beast = boost::beast;

namespace {
options normalized(options o) {
  while (!o.prefix.empty() && o.prefix.back() == '/') o.prefix.pop_back();
  o.bridge.max_streams = o.max_streams == 0 ? 1 : o.max_streams;
  if (o.ping_interval <= std::chrono::milliseconds(0)) o.ping_interval = std::chrono::seconds(15);
  return o;
}
}  // namespace

state::state(net::io_context& io, web::mqtt& m, options o)
    : ioc(io), opts(normalized(std::move(o))), facade(&m), bridge(std::make_unique<web::bridge>(m, opts.bridge)) {}

bool state::enroll(const std::shared_ptr<connection>& c) {
  std::lock_guard lock(m);
  if (stopped) return false;
  // Forget the ended ones now and then: the list stays about as long as
  // the connections open.
  if (open.size() >= 64 && (open.size() & (open.size() - 1)) == 0)
    std::erase_if(open, [](const auto& w) { return w.expired(); });
  open.push_back(c);
  return true;
}

void state::shut_all() {
  std::vector<std::weak_ptr<connection>> all;
  {
    std::lock_guard lock(m);
    all.swap(open);
  }
  for (auto& w : all)
    if (auto c = w.lock()) c->shut();
}

std::optional<std::string> state::local_path(std::string_view target, std::string_view& query) const {
  auto q = target.find('?');
  query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
  auto path = target.substr(0, q);
  if (path.substr(0, opts.prefix.size()) != opts.prefix) return std::nullopt;
  path.remove_prefix(opts.prefix.size());
  if (path.empty() || path[0] != '/') return std::nullopt;
  return std::string(path);
}

/// Accepts connections, each on its own strand.
class listener : public connection, public std::enable_shared_from_this<listener> {
 public:
  listener(std::shared_ptr<state> st) : st_(std::move(st)), acceptor_(net::make_strand(st_->ioc)) {}

  unsigned short open(const std::string& host, unsigned short port, std::string& error) {
    beast::error_code ec;
    auto address = net::ip::make_address(host, ec);
    if (ec) return error = "not an IP address: " + host, 0;
    tcp::endpoint ep(address, port);
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) return error = "cannot listen on " + host + ":" + std::to_string(port) + ": " + ec.message(), 0;
    if (!st_->enroll(shared_from_this())) return error = "the binding is stopped", 0;
    auto bound = acceptor_.local_endpoint(ec).port();
    net::dispatch(acceptor_.get_executor(), [self = shared_from_this()] { self->accept(); });
    return bound;
  }

  void shut() override {
    net::post(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ec;
      self->acceptor_.close(ec);
    });
  }

 private:
  void accept() {
    acceptor_.async_accept(net::make_strand(st_->ioc), [self = shared_from_this()](beast::error_code ec, tcp::socket s) {
      if (ec == net::error::operation_aborted || !self->acceptor_.is_open()) return;
      if (!ec) serve_http(self->st_, std::move(s));
      // Out of descriptors (EMFILE) and the like: keep accepting; the
      // client that could not be taken is refused by the kernel's backlog.
      self->accept();
    });
  }

  std::shared_ptr<state> st_;
  tcp::acceptor acceptor_;
};

}  // namespace detail

struct binding::impl : detail::state {
  using detail::state::state;
};

binding::binding(boost::asio::io_context& ioc, web::mqtt& mqtt, options opts)
    : impl_(std::make_shared<impl>(ioc, mqtt, std::move(opts))) {}

binding::~binding() {
  impl_->stopped = true;
  impl_->shut_all();
  std::unique_lock lock(impl_->bridge_m);
  impl_->bridge.reset();  // closes the streams and sockets, removes the facade handler
}

void binding::start(const web::config_source& config) { impl_->facade->init_app(config); }

unsigned short binding::listen(const std::string& host, unsigned short port) {
  std::string error;
  auto l = std::make_shared<detail::listener>(impl_);
  auto bound = l->open(host, port, error);
  if (bound == 0) {
    std::lock_guard lock(impl_->m);
    impl_->last_error = error;
  }
  return bound;
}

void binding::serve(boost::asio::ip::tcp::socket socket) {
  // On a strand of its own, whatever executor the application accepted it on.
  boost::system::error_code ec;
  auto protocol = socket.local_endpoint(ec).protocol();
  if (ec) return;
  detail::tcp::socket own(boost::asio::make_strand(impl_->ioc));
  own.assign(protocol, socket.release(ec), ec);
  if (!ec) detail::serve_http(impl_, std::move(own));
}

void binding::stop() {
  if (impl_->stopped.exchange(true)) return;
  {
    std::shared_lock lock(impl_->bridge_m);
    if (impl_->bridge) impl_->bridge->close_streams();  // their connections end their responses
  }
  impl_->shut_all();
  std::shared_lock lock(impl_->bridge_m);
  if (impl_->bridge) impl_->facade->disconnect();
}

web::stream_stats binding::stats() const {
  std::shared_lock lock(impl_->bridge_m);
  return impl_->bridge ? impl_->bridge->stats() : web::stream_stats{};
}

std::string binding::last_error() const {
  std::lock_guard lock(impl_->m);
  return impl_->last_error;
}

}  // namespace tern::beast_binding

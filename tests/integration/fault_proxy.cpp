#include "fault_proxy.hpp"

#include <algorithm>
#include <array>
#include <asio.hpp>
#include <atomic>
#include <deque>
#include <functional>
#include <future>
#include <optional>
#include <thread>
#include <vector>

namespace tern::test {
namespace proxy_detail {

using clock = std::chrono::steady_clock;
using asio::ip::tcp;

constexpr std::size_t read_size = 64 * 1024;
// A reader stops while this much waits to be written (under latency or a
// cap): the proxy's memory stays bounded and the sender feels TCP's
// back-pressure, as it would behind a slow link.
constexpr std::size_t max_held = 1024 * 1024;

struct flow_settings {
  std::chrono::milliseconds latency{0};
  std::size_t bytes_per_second = 0;
  bool byte_by_byte = false;
};

struct settings {
  std::array<flow_settings, 2> flows;  // indexed by direction::to_broker, to_client
  bool blackhole = false;
  bool stop_reading = false;
};

class connection;

}  // namespace proxy_detail

using namespace proxy_detail;

struct fault_proxy::impl {
  // First: destroyed last, after every I/O object below.
  asio::io_context ctx{1};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work{ctx.get_executor()};
  tcp::acceptor acceptor{ctx};
  tcp::endpoint broker;
  settings s;
  // Bytes still to forward before the reset, counting writes under way.
  std::optional<std::size_t> reset_budget;
  int budget_writes = 0;
  std::vector<std::weak_ptr<connection>> live;
  bool closing = false;
  std::atomic<std::uint64_t> accepted{0};
  std::atomic<std::uint64_t> resets{0};
  std::array<std::atomic<std::uint64_t>, 2> forwarded{};
  std::promise<void> finished;
  std::thread thread;

  void accept();
  void wake_all();
  void reset_all();
  void close_all();
  template <class F>
  void for_each_live(F&& f);
  void apply(std::function<void(impl&)> f);
};

namespace proxy_detail {

/// One client connection and its broker connection, with a pump each way.
class connection : public std::enable_shared_from_this<connection> {
 public:
  connection(fault_proxy::impl& proxy, tcp::socket client)
      : proxy_(proxy),
        client_(std::move(client)),
        broker_(proxy.ctx),
        up_(proxy.ctx, 0, client_, broker_),
        down_(proxy.ctx, 1, broker_, client_) {}

  void start();
  /// The settings changed: parked pumps look again.
  void wake();
  /// Closes both sides with a TCP reset.
  void reset();
  void close();

 private:
  struct chunk {
    std::vector<std::byte> data;
    std::size_t offset = 0;
    clock::time_point due;
  };
  struct pump {
    pump(asio::io_context& ctx, int way, tcp::socket& src, tcp::socket& dst)
        : index(way), from(src), to(dst), read_park(ctx), write_wait(ctx) {}
    int index;
    tcp::socket& from;
    tcp::socket& to;
    std::vector<std::byte> buf = std::vector<std::byte>(read_size);
    std::deque<chunk> held;
    std::size_t held_bytes = 0;
    asio::steady_timer read_park, write_wait;
    bool reading = false, read_parked = false, eof = false;
    bool writing = false, write_waiting = false, shut = false;
    clock::time_point next_send{};
  };

  bool may_read(const pump& p) const;
  void read(pump& p);
  void read_ready(pump& p);
  void received(pump& p, std::error_code ec, std::size_t n);
  void park_read(pump& p);
  void write(pump& p);
  void wait_write(pump& p, clock::time_point until);
  void written(pump& p, std::error_code ec, std::size_t n, clock::time_point started, bool budgeted);
  void finish_if_done();

  fault_proxy::impl& proxy_;
  tcp::socket client_;
  tcp::socket broker_;
  pump up_;
  pump down_;
  bool open_ = true;
};

void connection::start() {
  broker_.async_connect(proxy_.broker, [self = shared_from_this()](std::error_code ec) {
    if (!self->open_) return;
    if (ec) return self->close();
    std::error_code ignored;
    // Small packets must leave one by one, or one byte per write would mean nothing.
    self->client_.set_option(tcp::no_delay(true), ignored);
    self->broker_.set_option(tcp::no_delay(true), ignored);
    // read_ready reads without blocking.
    self->client_.non_blocking(true, ignored);
    self->broker_.non_blocking(true, ignored);
    self->read(self->up_);
    self->read(self->down_);
  });
}

bool connection::may_read(const pump& p) const {
  if (proxy_.s.blackhole) return false;
  if (proxy_.s.stop_reading && p.index == 0) return false;
  return p.held_bytes < max_held;
}

void connection::read(pump& p) {
  if (!open_ || p.reading || p.read_parked || p.eof) return;
  if (!may_read(p)) return park_read(p);
  p.reading = true;
  // Wait until readable, then read: a fault set meanwhile (stop reading, a
  // blackhole) leaves the bytes in the kernel rather than in a read under way.
  p.from.async_wait(tcp::socket::wait_read, [self = shared_from_this(), &p](std::error_code ec) {
    p.reading = false;
    if (!self->open_) return;
    if (ec) return self->close();
    self->read_ready(p);
  });
}

void connection::read_ready(pump& p) {
  if (!may_read(p)) return park_read(p);
  std::error_code ec;
  auto n = p.from.read_some(asio::buffer(p.buf), ec);
  if (ec == asio::error::would_block || ec == asio::error::try_again) return read(p);
  received(p, ec, n);
}

void connection::received(pump& p, std::error_code ec, std::size_t n) {
  if (n > 0) {
    auto first = p.buf.begin();
    p.held.push_back({std::vector<std::byte>(first, first + static_cast<std::ptrdiff_t>(n)), 0,
                      clock::now() + proxy_.s.flows[static_cast<std::size_t>(p.index)].latency});
    p.held_bytes += n;
  }
  if (ec == asio::error::eof) {
    p.eof = true;  // forwarded as a half-close once what is held is written
  } else if (ec) {
    return close();
  }
  write(p);
  read(p);
}

void connection::park_read(pump& p) {
  p.read_parked = true;
  p.read_park.expires_at(clock::time_point::max());
  p.read_park.async_wait([self = shared_from_this(), &p](std::error_code) {
    p.read_parked = false;
    self->read(p);
  });
}

void connection::write(pump& p) {
  if (!open_ || p.writing || p.write_waiting) return;
  if (p.held.empty()) {
    if (p.eof && !p.shut) {
      p.shut = true;
      std::error_code ignored;
      p.to.shutdown(tcp::socket::shutdown_send, ignored);
      finish_if_done();
    }
    return;
  }
  const auto& f = proxy_.s.flows[static_cast<std::size_t>(p.index)];
  if (proxy_.s.blackhole) return wait_write(p, clock::time_point::max());
  auto now = clock::now();
  auto& c = p.held.front();
  if (c.due > now) return wait_write(p, c.due);
  if (f.bytes_per_second != 0 && p.next_send > now) return wait_write(p, p.next_send);
  std::size_t n = c.data.size() - c.offset;
  if (f.byte_by_byte) n = 1;
  if (f.bytes_per_second != 0) n = std::min(n, std::max<std::size_t>(1, f.bytes_per_second / 50));
  bool budgeted = proxy_.reset_budget.has_value();
  if (budgeted) {
    // Spent: the reset comes when the writes that spent it are over.
    if (*proxy_.reset_budget == 0) return wait_write(p, clock::time_point::max());
    n = std::min(n, *proxy_.reset_budget);
    *proxy_.reset_budget -= n;
    ++proxy_.budget_writes;
  }
  p.writing = true;
  asio::async_write(p.to, asio::buffer(c.data.data() + c.offset, n),
                    [self = shared_from_this(), &p, now, budgeted](std::error_code ec, std::size_t n_written) {
                      p.writing = false;
                      self->written(p, ec, n_written, now, budgeted);
                    });
}

void connection::written(pump& p, std::error_code ec, std::size_t n, clock::time_point started, bool budgeted) {
  if (budgeted) --proxy_.budget_writes;
  bool spent = proxy_.reset_budget && *proxy_.reset_budget == 0 && proxy_.budget_writes == 0;
  if (!open_ || ec) {
    close();
    if (spent) proxy_.reset_all();
    return;
  }
  auto& c = p.held.front();
  c.offset += n;
  p.held_bytes -= n;
  if (c.offset == c.data.size()) p.held.pop_front();
  proxy_.forwarded[static_cast<std::size_t>(p.index)] += n;
  if (auto rate = proxy_.s.flows[static_cast<std::size_t>(p.index)].bytes_per_second; rate != 0)
    p.next_send = std::max(p.next_send, started) +
                  std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(double(n) / double(rate)));
  if (spent) return proxy_.reset_all();
  if (p.read_parked && may_read(p)) p.read_park.cancel();
  write(p);
}

void connection::wait_write(pump& p, clock::time_point until) {
  p.write_waiting = true;
  p.write_wait.expires_at(until);
  p.write_wait.async_wait([self = shared_from_this(), &p](std::error_code) {
    p.write_waiting = false;
    self->write(p);
  });
}

void connection::finish_if_done() {
  if (up_.shut && down_.shut) close();
}

void connection::wake() {
  for (auto* p : {&up_, &down_}) {
    if (p->read_parked) p->read_park.cancel();
    if (p->write_waiting) p->write_wait.cancel();
  }
}

void connection::reset() {
  if (!open_) return;
  std::error_code ignored;
  client_.set_option(asio::socket_base::linger(true, 0), ignored);
  broker_.set_option(asio::socket_base::linger(true, 0), ignored);
  close();
}

void connection::close() {
  if (!open_) return;
  open_ = false;
  std::error_code ignored;
  client_.close(ignored);
  broker_.close(ignored);
  for (auto* p : {&up_, &down_}) {
    p->read_park.cancel();
    p->write_wait.cancel();
  }
}

}  // namespace proxy_detail

void fault_proxy::impl::accept() {
  acceptor.async_accept([this](std::error_code ec, tcp::socket sock) {
    if (closing) return;
    if (!ec) {
      ++accepted;
      auto c = std::make_shared<connection>(*this, std::move(sock));
      std::erase_if(live, [](const auto& w) { return w.expired(); });
      live.push_back(c);
      c->start();
    }
    accept();
  });
}

template <class F>
void fault_proxy::impl::for_each_live(F&& f) {
  // A copy: resetting a connection may end it while we walk.
  auto all = live;
  for (auto& w : all)
    if (auto c = w.lock()) f(*c);
}

void fault_proxy::impl::wake_all() {
  for_each_live([](connection& c) { c.wake(); });
}

void fault_proxy::impl::reset_all() {
  reset_budget.reset();
  ++resets;
  for_each_live([](connection& c) { c.reset(); });
}

void fault_proxy::impl::close_all() {
  for_each_live([](connection& c) { c.close(); });
}

void fault_proxy::impl::apply(std::function<void(impl&)> f) {
  if (std::this_thread::get_id() == thread.get_id()) return f(*this);
  auto done = std::make_shared<std::promise<void>>();
  auto applied = done->get_future();
  asio::post(ctx, [this, f = std::move(f), done] {
    f(*this);
    done->set_value();
  });
  applied.wait_for(std::chrono::seconds(5));
}

namespace {

template <class F>
void for_directions(direction d, F&& f) {
  if (d != direction::to_client) f(static_cast<std::size_t>(direction::to_broker));
  if (d != direction::to_broker) f(static_cast<std::size_t>(direction::to_client));
}

}  // namespace

fault_proxy::fault_proxy(std::uint16_t broker_port, int client_receive_buffer) : impl_(std::make_unique<impl>()) {
  auto& i = *impl_;
  auto loopback = asio::ip::address_v4::loopback();
  i.broker = tcp::endpoint(loopback, broker_port);
  i.acceptor.open(tcp::v4());
  i.acceptor.set_option(tcp::acceptor::reuse_address(true));
  // Set on the listener so that accepted sockets start with it (the window
  // is negotiated during the handshake).
  if (client_receive_buffer > 0) i.acceptor.set_option(asio::socket_base::receive_buffer_size(client_receive_buffer));
  i.acceptor.bind(tcp::endpoint(loopback, 0));
  i.acceptor.listen();
  port_ = i.acceptor.local_endpoint().port();
  i.accept();
  i.thread = std::thread([&i] {
    i.ctx.run();
    i.finished.set_value();
  });
}

fault_proxy::~fault_proxy() {
  auto& i = *impl_;
  auto finished = i.finished.get_future();
  asio::post(i.ctx, [&i] {
    i.closing = true;
    std::error_code ignored;
    i.acceptor.close(ignored);
    i.close_all();
    i.work.reset();
  });
  if (finished.wait_for(std::chrono::seconds(2)) != std::future_status::ready) i.ctx.stop();
  i.thread.join();
}

std::string fault_proxy::url() const { return "mqtt://127.0.0.1:" + std::to_string(port_); }

void fault_proxy::set_latency(direction d, std::chrono::milliseconds delay) {
  impl_->apply([d, delay](impl& i) {
    for_directions(d, [&](std::size_t k) { i.s.flows[k].latency = delay; });
    i.wake_all();
  });
}

void fault_proxy::set_bandwidth(direction d, std::size_t bytes_per_second) {
  impl_->apply([d, bytes_per_second](impl& i) {
    for_directions(d, [&](std::size_t k) { i.s.flows[k].bytes_per_second = bytes_per_second; });
    i.wake_all();
  });
}

void fault_proxy::set_byte_by_byte(direction d, bool on) {
  impl_->apply([d, on](impl& i) {
    for_directions(d, [&](std::size_t k) { i.s.flows[k].byte_by_byte = on; });
    i.wake_all();
  });
}

void fault_proxy::set_blackhole(bool on) {
  impl_->apply([on](impl& i) {
    i.s.blackhole = on;
    i.wake_all();
  });
}

void fault_proxy::reset_after(std::size_t bytes) {
  impl_->apply([bytes](impl& i) {
    if (bytes == 0) return i.reset_all();
    i.reset_budget = bytes;
    i.wake_all();
  });
}

void fault_proxy::set_stop_reading(bool on) {
  impl_->apply([on](impl& i) {
    i.s.stop_reading = on;
    i.wake_all();
  });
}

void fault_proxy::clear() {
  impl_->apply([](impl& i) {
    i.s = settings{};
    i.reset_budget.reset();
    i.wake_all();
  });
}

std::uint64_t fault_proxy::connections() const noexcept { return impl_->accepted.load(); }

std::uint64_t fault_proxy::bytes(direction d) const noexcept {
  std::uint64_t n = 0;
  for_directions(d, [&](std::size_t k) { n += impl_->forwarded[k].load(); });
  return n;
}

std::uint64_t fault_proxy::resets() const noexcept { return impl_->resets.load(); }

}  // namespace tern::test

#include "tern/user_connections.hpp"

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <mutex>
#include <unordered_map>

#include "tern/error.hpp"

namespace tern {

struct user_connections::impl : std::enable_shared_from_this<impl> {
  impl(asio::io_context& ctx, user_connections_options o) : ctx(ctx), options(std::move(o)), sweeper(ctx) {}

  struct entry {
    std::shared_ptr<client> c;
    std::chrono::steady_clock::time_point last_use;
  };

  asio::io_context& ctx;
  const user_connections_options options;
  asio::steady_timer sweeper;  // runs on the io_context's threads, under m
  mutable std::mutex m;
  std::unordered_map<std::string, entry> users;
  bool sweeping = false;
  bool closed = false;

  // The client holds itself alive until its stop is over: the stop runs on
  // the shared executor, after the registry let it go.
  void stop(std::shared_ptr<client> c) {
    auto* raw = c.get();
    raw->stop(options.close_linger, [keep = std::move(c)]() mutable { keep.reset(); });
  }

  // Under m.
  void arm_sweep() {
    if (sweeping || closed || options.idle_timeout.count() <= 0 || users.empty()) return;
    sweeping = true;
    auto every = std::max<std::chrono::milliseconds>(options.idle_timeout / 4, std::chrono::milliseconds(100));
    sweeper.expires_after(every);
    sweeper.async_wait([w = weak_from_this()](std::error_code ec) {
      auto self = w.lock();
      if (!self || ec) return;
      std::vector<std::shared_ptr<client>> idle;
      {
        std::lock_guard lock(self->m);
        self->sweeping = false;
        auto now = std::chrono::steady_clock::now();
        for (auto it = self->users.begin(); it != self->users.end();) {
          if (now - it->second.last_use >= self->options.idle_timeout) {
            idle.push_back(std::move(it->second.c));
            it = self->users.erase(it);
          } else {
            ++it;
          }
        }
        self->arm_sweep();
      }
      for (auto& c : idle) self->stop(std::move(c));
    });
  }
};

namespace {

bool acceptable_user(const std::string& user) {
  if (user.empty()) return false;
  for (unsigned char ch : user)
    if (ch == '/' || ch == '+' || ch == '#' || ch < 0x20 || ch == 0x7f) return false;
  return true;
}

std::string client_id_for(const std::string& pattern, const std::string& user) {
  std::string id;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern.compare(i, 6, "{user}") == 0) {
      id += user;
      i += 5;
    } else {
      id += pattern[i];
    }
  }
  return id;
}

}  // namespace

user_connections::user_connections(asio::io_context& context, user_connections_options options)
    : impl_(std::make_shared<impl>(context, std::move(options))) {}

user_connections::~user_connections() {
  std::vector<std::shared_ptr<client>> all;
  {
    std::lock_guard lock(impl_->m);
    impl_->closed = true;
    impl_->sweeper.cancel();
    for (auto& [user, e] : impl_->users) all.push_back(std::move(e.c));
    impl_->users.clear();
  }
  for (auto& c : all) impl_->stop(std::move(c));
}

result<std::shared_ptr<client>> user_connections::open(const std::string& user, std::vector<std::byte> password,
                                                       const std::function<void(client&)>& setup) {
  if (!acceptable_user(user)) return make_error_code(errc::invalid_argument);
  // One store would mix every user's QoS 1/2 state.
  if (impl_->options.base.store) return make_error_code(errc::invalid_argument);
  auto o = impl_->options.base;
  o.connect.client_id = client_id_for(impl_->options.client_id, user);
  o.connect.user_name = user;
  o.connect.password = std::move(password);
  auto c = std::make_shared<client>(impl_->ctx, std::move(o));
  if (setup) setup(*c);
  std::shared_ptr<client> previous;
  {
    std::lock_guard lock(impl_->m);
    auto& e = impl_->users[user];
    previous = std::move(e.c);
    e = {c, std::chrono::steady_clock::now()};
    impl_->arm_sweep();
  }
  // Should the new connection reach the broker before the old one's
  // DISCONNECT, the broker closes the old one itself: it has the same
  // client id [MQTT-3.1.4-2].
  if (previous) impl_->stop(std::move(previous));
  c->connect();
  return c;
}

std::shared_ptr<client> user_connections::find(const std::string& user) {
  std::lock_guard lock(impl_->m);
  auto it = impl_->users.find(user);
  if (it == impl_->users.end()) return nullptr;
  it->second.last_use = std::chrono::steady_clock::now();
  return it->second.c;
}

bool user_connections::close(const std::string& user) {
  std::shared_ptr<client> c;
  {
    std::lock_guard lock(impl_->m);
    auto it = impl_->users.find(user);
    if (it == impl_->users.end()) return false;
    c = std::move(it->second.c);
    impl_->users.erase(it);
  }
  impl_->stop(std::move(c));
  return true;
}

std::size_t user_connections::size() const {
  std::lock_guard lock(impl_->m);
  return impl_->users.size();
}

}  // namespace tern

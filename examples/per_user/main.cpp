// tern-per-user: a web application that gives each signed-in user a broker
// connection with that user's own credentials, so that the broker's access
// rules decide what each user reads and publishes. Each user gets a
// tern::web::mqtt facade on one shared io_context (no thread per user) and
// a tern::web::bridge over it: the bridge's endpoints, routed by the
// session cookie, go through that user's connection. cpp-httplib serves:
//   POST /login   user=…&password=…       the user's broker credentials; a cookie
//   POST /logout
//   GET  /mqtt/events?topic=…             Server-Sent Events, through the user's connection
//   POST /mqtt/publish {"topic", "message", "qos"}, /mqtt/subscribe, /mqtt/status, …
// See docs/web.md, "One connection per user".
//
//   tern-per-user --broker mqtt://127.0.0.1:1883 --listen 127.0.0.1:5001 --idle 900

#include <httplib.h>

#include <algorithm>
#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "tern/web/bridge.hpp"
#include "tern/web/config.hpp"
#include "tern/web/mqtt.hpp"

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

/// One signed-in user: a facade with the user's credentials and a bridge
/// over it. The bridge goes first (members end in reverse order).
struct user_link {
  std::unique_ptr<tern::web::mqtt> mqtt;
  std::unique_ptr<tern::web::bridge> bridge;
  std::atomic<clock_type::rep> last_use{clock_type::now().time_since_epoch().count()};
  void touch() { last_use = clock_type::now().time_since_epoch().count(); }
  clock_type::duration idle() const { return clock_type::now() - clock_type::time_point(clock_type::duration(last_use)); }
};

class app {
 public:
  app(asio::io_context& io, std::string broker, std::chrono::seconds idle)
      : io_(io), broker_(std::move(broker)), idle_(idle), sweeper_(io) {
    sweep();
  }
  ~app() {
    // On the io_context's thread, where the sweep runs: none runs after this.
    std::promise<void> stopped;
    asio::post(io_, [&] {
      alive_.reset();
      sweeper_.cancel();
      stopped.set_value();
    });
    stopped.get_future().wait();
    std::map<std::string, std::shared_ptr<user_link>> all;
    {
      std::lock_guard lock(m_);
      all.swap(users_);
    }
    for (auto& [user, link] : all) link->bridge->close_streams();
  }

  void routes(httplib::Server& s) {
    s.Post("/login", [this](const httplib::Request& req, httplib::Response& res) { login(req, res); });
    s.Post("/logout", [this](const httplib::Request& req, httplib::Response& res) {
      logout(user_of(req));
      res.set_content("bye\n", "text/plain");
    });
    s.Get("/mqtt/events", [this](const httplib::Request& req, httplib::Response& res) { events(req, res); });
    s.Post(R"(/mqtt(/.*))", [this](const httplib::Request& req, httplib::Response& res) { endpoint(req, res); });
    s.Get(R"(/mqtt(/status))", [this](const httplib::Request& req, httplib::Response& res) { endpoint(req, res); });
  }

 private:
  void login(const httplib::Request& req, httplib::Response& res) {
    auto user = req.get_param_value("user");
    // The user name becomes the broker's %u: one that would widen a topic rule is refused.
    if (user.empty() || std::any_of(user.begin(), user.end(), [](unsigned char ch) {
          return ch == '/' || ch == '+' || ch == '#' || ch < 0x20 || ch == 0x7f;
        }))
      return fail(res, 400, "not a user name this application accepts\n");
    auto link = std::make_shared<user_link>();
    tern::web::mqtt_options mo;
    mo.io_context = &io_;                 // no thread of its own
    mo.queue_unclaimed_messages = false;  // messages only go to the bridge's streams
    link->mqtt = std::make_unique<tern::web::mqtt>(mo);
    auto answered = std::make_shared<std::promise<int>>();
    link->mqtt->on_connect([answered](tern::web::mqtt&, const std::any&, tern::web::connect_flags, int rc) {
      try {
        answered->set_value(rc);
      } catch (const std::future_error&) {  // a later reconnect
      }
    });
    tern::web::config_map cfg;
    cfg.set("MQTT_BROKER_URLS", broker_);
    cfg.set("MQTT_CLIENT_ID", "web-" + user);  // one connection per user: a second login replaces the first
    cfg.set("MQTT_USERNAME", user);
    cfg.set("MQTT_PASSWORD", req.get_param_value("password"));
    cfg.set("MQTT_STOP_LINGER", 1);
    link->mqtt->init_app(cfg);  // waits for the CONNACK: this is an HTTP thread, not the io_context's
    auto f = answered->get_future();
    if (f.wait_for(10s) != std::future_status::ready) return fail(res, 504, "the broker did not answer\n");
    if (int rc = f.get(); rc != 0)
      return fail(res, 401, "the broker refused these credentials (CONNACK " + std::to_string(rc) + ")\n");
    // The broker's rules decide what this connection may do: the bridge lets
    // the user ask for anything.
    tern::web::bridge_options bo;
    bo.open_access = true;
    bo.max_streams = 4;
    link->bridge = std::make_unique<tern::web::bridge>(*link->mqtt, bo);
    std::string token = new_token();
    std::shared_ptr<user_link> previous;
    {
      std::lock_guard lock(m_);
      std::erase_if(sessions_, [&](auto& kv) { return kv.second == user; });
      sessions_[token] = user;
      previous = std::exchange(users_[user], link);
    }
    if (previous) {
      // A request may still hold it for a moment: it must not reconnect
      // meanwhile and take the client id back from the new connection.
      previous->mqtt->disconnect();
      previous->bridge->close_streams();
    }
    res.set_header("Set-Cookie", "session=" + token + "; HttpOnly; SameSite=Strict; Path=/");
    res.set_content("welcome " + user + "\n", "text/plain");
  }

  void logout(const std::string& user) {
    std::shared_ptr<user_link> link;
    {
      std::lock_guard lock(m_);
      std::erase_if(sessions_, [&](auto& kv) { return kv.second == user; });
      auto it = users_.find(user);
      if (it == users_.end()) return;
      link = std::move(it->second);
      users_.erase(it);
    }
    // The streams end now; the facade's DISCONNECT follows when the last
    // request using the link lets it go.
    link->bridge->close_streams();
  }

  std::shared_ptr<user_link> link_of(const httplib::Request& req) {
    auto user = user_of(req);
    std::lock_guard lock(m_);
    auto it = users_.find(user);
    if (it == users_.end()) return nullptr;
    it->second->touch();
    return it->second;
  }

  static tern::web::http_request request_of(const httplib::Request& req, std::string_view path) {
    tern::web::http_request r;
    r.method = req.method;
    r.path = path;
    for (const auto& [k, v] : req.params) r.query.emplace_back(k, v);
    r.body = req.body;
    return r;
  }

  void endpoint(const httplib::Request& req, httplib::Response& res) {
    auto link = link_of(req);
    if (!link) return fail(res, 401, "log in first\n");
    std::string path = req.matches[1];
    std::string content_type = req.get_header_value("Content-Type");
    auto r = request_of(req, path);
    r.content_type = content_type;
    auto answer = link->bridge->handle(r);
    res.status = answer.status;
    res.set_content(answer.body, answer.content_type);
  }

  void events(const httplib::Request& req, httplib::Response& res) {
    auto link = link_of(req);
    if (!link) return fail(res, 401, "log in first\n");
    auto opened = link->bridge->open_stream(request_of(req, "/events"));
    if (auto* refused = std::get_if<tern::web::http_response>(&opened)) {
      res.status = refused->status;
      return res.set_content(refused->body, refused->content_type);
    }
    auto stream = std::get<std::shared_ptr<tern::web::event_stream>>(std::move(opened));
    res.set_header("Cache-Control", "no-cache");
    // The stream holds the link weakly: a logout or a second login ends it.
    res.set_chunked_content_provider(
        "text/event-stream",
        [stream, weak = std::weak_ptr<user_link>(link)](std::size_t, httplib::DataSink& sink) {
          if (auto l = weak.lock()) l->touch();  // an open stream is a use of the connection
          stream->wait(250ms);
          auto out = stream->take();
          if (!out.empty() && !sink.write(out.data(), out.size())) return false;
          if (stream->closed()) sink.done();
          return true;
        },
        [stream](bool) { stream->close(); });
  }

  // Every idle/4: a user whose connection saw no request and no open
  // stream for `idle_` is logged out. On the io_context's one thread, like
  // ~app's stop of it (with several threads, both would go on a strand).
  void sweep() {
    sweeper_.expires_after(std::max<std::chrono::milliseconds>(idle_ / 4, 100ms));
    sweeper_.async_wait([this, alive = std::weak_ptr<int>(alive_)](std::error_code ec) {
      if (ec || alive.expired()) return;
      std::vector<std::string> idle;
      {
        std::lock_guard lock(m_);
        for (const auto& [user, link] : users_)
          if (link->idle() >= idle_) idle.push_back(user);
      }
      for (const auto& user : idle) logout(user);
      sweep();
    });
  }

  std::string user_of(const httplib::Request& req) {
    auto cookie = req.get_header_value("Cookie");
    auto at = cookie.find("session=");
    if (at == std::string::npos) return {};
    auto token = cookie.substr(at + 8, cookie.find(';', at) - at - 8);
    std::lock_guard lock(m_);
    auto it = sessions_.find(token);
    return it == sessions_.end() ? std::string() : it->second;
  }
  static std::string new_token() {
    std::random_device rd;
    std::string t;
    for (int i = 0; i < 32; ++i) t += "0123456789abcdef"[rd() & 15];
    return t;
  }
  static void fail(httplib::Response& res, int status, const std::string& why) {
    res.status = status;
    res.set_content(why, "text/plain");
  }

  asio::io_context& io_;
  const std::string broker_;
  const std::chrono::seconds idle_;
  asio::steady_timer sweeper_;  // on the io_context's thread
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // reset there by ~app
  std::mutex m_;
  std::map<std::string, std::string> sessions_;                  // cookie token -> user
  std::map<std::string, std::shared_ptr<user_link>> users_;  // user -> connection
};

}  // namespace

int main(int argc, char** argv) {
  std::string broker = "mqtt://127.0.0.1:1883", listen = "127.0.0.1:5001";
  long idle = 900;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--broker") broker = argv[i + 1];
    else if (flag == "--listen") listen = argv[i + 1];
    else if (flag == "--idle") idle = std::atol(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: tern-per-user [--broker URL] [--listen HOST:PORT] [--idle SECONDS]\n");
      return 2;
    }
  }
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    std::fprintf(stderr, "tern-per-user: --listen wants HOST:PORT\n");
    return 2;
  }
  asio::io_context io;
  auto work = asio::make_work_guard(io);
  std::thread network([&] { io.run(); });  // every user's connection and handlers, on one thread

  int status = 0;
  {
    app a(io, broker, std::chrono::seconds(idle));
    httplib::Server server;
    a.routes(server);
    if (!server.bind_to_port(listen.substr(0, colon), std::stoi(listen.substr(colon + 1)))) {
      std::fprintf(stderr, "tern-per-user: cannot listen on %s\n", listen.c_str());
      status = 1;
    } else {
      std::printf("tern-per-user: http://%s/ (broker %s)\n", listen.c_str(), broker.c_str());
      std::fflush(stdout);
      server.listen_after_bind();
    }
  }
  work.reset();
  network.join();
  return status;
}

// tern-per-user: a web application that gives each signed-in user a broker
// connection with that user's own credentials (tern::user_connections), so
// that the broker's access rules decide what each user reads and publishes.
// cpp-httplib serves:
//   POST /login    user=…&password=…   the user's broker credentials; a cookie
//   GET  /events?filter=…              Server-Sent Events: that user's messages
//   POST /publish  topic=…&payload=…   published at QoS 1 as that user
//   POST /logout
// See docs/client.md, "One connection per user".
//
//   tern-per-user --broker mqtt://127.0.0.1:1883 --listen 127.0.0.1:5001 --idle 900

#include <httplib.h>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tern/user_connections.hpp"

namespace {

using namespace std::chrono_literals;

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (unsigned char ch : s) {
    if (ch == '"' || ch == '\\') out += {'\\', static_cast<char>(ch)};
    else if (ch < 0x20) out += "\\u00" + std::string{"0123456789abcdef"[ch >> 4], "0123456789abcdef"[ch & 15]};
    else out += static_cast<char>(ch);
  }
  return out + "\"";
}

/// The events waiting for one open event stream.
struct inbox {
  std::mutex m;
  std::condition_variable cv;
  std::deque<std::string> events;
};

/// What the application keeps per user, beside the connection: the open
/// streams its messages go to. Survives a second login.
struct user_state {
  std::mutex m;
  std::vector<std::weak_ptr<inbox>> streams;
  void deliver(const tern::message_received& msg) {
    std::string event = "data: {\"topic\": " + json_string(msg.topic) + ", \"payload\": " +
                        json_string({reinterpret_cast<const char*>(msg.payload.data()), msg.payload.size()}) + "}\n\n";
    std::lock_guard lock(m);
    std::erase_if(streams, [](auto& w) { return w.expired(); });
    for (auto& w : streams) {
      auto box = w.lock();
      std::lock_guard l(box->m);
      if (box->events.size() < 256) box->events.push_back(event);  // a stalled browser loses the newest
      box->cv.notify_one();
    }
  }
};

class app {
 public:
  app(asio::io_context& io, tern::user_connections_options o) : users_(io, std::move(o)) {}

  void routes(httplib::Server& s) {
    s.Post("/login", [this](const httplib::Request& req, httplib::Response& res) { login(req, res); });
    s.Post("/logout", [this](const httplib::Request& req, httplib::Response& res) {
      auto user = user_of(req);
      if (!user.empty()) users_.close(user);
      forget_session(req);
      res.set_content("bye\n", "text/plain");
    });
    s.Post("/publish", [this](const httplib::Request& req, httplib::Response& res) { publish(req, res); });
    s.Get("/events", [this](const httplib::Request& req, httplib::Response& res) { events(req, res); });
  }

 private:
  void login(const httplib::Request& req, httplib::Response& res) {
    auto user = req.get_param_value("user");
    auto password = req.get_param_value("password");
    // Kept only once the broker accepted the user: a refused login leaves nothing behind.
    std::shared_ptr<user_state> state;
    {
      std::lock_guard lock(m_);
      auto it = states_.find(user);
      state = it != states_.end() ? it->second : std::make_shared<user_state>();
    }
    auto answered = std::make_shared<std::promise<int>>();
    auto c = users_.open(user, {reinterpret_cast<const std::byte*>(password.data()),
                                reinterpret_cast<const std::byte*>(password.data()) + password.size()},
                         [&](tern::client& c) {
                           c.on_connect([answered](bool, int rc) {
                             try {
                               answered->set_value(rc);
                             } catch (const std::future_error&) {  // a later reconnect
                             }
                           });
                           c.on_message([state](const tern::message_received& msg) { state->deliver(msg); });
                         });
    if (!c) return fail(res, 400, "not a user name this application accepts\n");
    auto f = answered->get_future();
    if (f.wait_for(10s) != std::future_status::ready) {
      users_.close(user);
      return fail(res, 504, "the broker did not answer\n");
    }
    if (int rc = f.get(); rc != 0) {
      users_.close(user);
      return fail(res, 401, "the broker refused these credentials (CONNACK " + std::to_string(rc) + ")\n");
    }
    std::string token = new_token();
    {
      std::lock_guard lock(m_);
      sessions_[token] = user;
      states_[user] = state;
    }
    res.set_header("Set-Cookie", "session=" + token + "; HttpOnly; SameSite=Strict; Path=/");
    res.set_content("welcome " + user + "\n", "text/plain");
  }

  void publish(const httplib::Request& req, httplib::Response& res) {
    auto c = users_.find(user_of(req));
    if (!c) return fail(res, 401, "log in first\n");
    auto done = std::make_shared<std::promise<std::error_code>>();
    auto r = c->publish(req.get_param_value("topic"), req.get_param_value("payload"), tern::qos::at_least_once, false,
                        [done](std::error_code ec, tern::message_id) { done->set_value(ec); });
    if (!r) return fail(res, 400, r.error().message() + "\n");
    auto f = done->get_future();
    if (f.wait_for(10s) != std::future_status::ready) return fail(res, 504, "no PUBACK\n");
    // MQTT 3.1.1 gives a publisher no sign of a publish the broker's rules
    // dropped: the PUBACK comes either way.
    if (auto ec = f.get()) return fail(res, 502, ec.message() + "\n");
    res.set_content("published\n", "text/plain");
  }

  void events(const httplib::Request& req, httplib::Response& res) {
    auto user = user_of(req);
    auto c = users_.find(user);
    if (!c) return fail(res, 401, "log in first\n");
    auto filter = req.get_param_value("filter");
    auto granted = std::make_shared<std::promise<std::uint8_t>>();
    auto r = c->subscribe({{filter, tern::qos::at_least_once}},
                          [granted](std::error_code ec, std::vector<std::uint8_t> codes) {
                            granted->set_value(ec || codes.empty() ? 0x80 : codes[0]);
                          });
    if (!r) return fail(res, 400, r.error().message() + "\n");
    auto f = granted->get_future();
    if (f.wait_for(10s) != std::future_status::ready) return fail(res, 504, "no SUBACK\n");
    if (f.get() == 0x80) return fail(res, 403, "the broker refused the subscription to " + filter + "\n");
    auto box = std::make_shared<inbox>();
    {
      std::lock_guard lock(m_);
      auto it = states_.find(user);
      if (it == states_.end()) return fail(res, 401, "log in first\n");
      std::lock_guard l(it->second->m);
      it->second->streams.push_back(box);
    }
    res.set_header("Cache-Control", "no-cache");
    res.set_chunked_content_provider("text/event-stream", [this, box, user](std::size_t, httplib::DataSink& sink) {
      // An open stream is a use of the connection; a logout ends the stream.
      if (!users_.find(user)) return sink.done(), true;
      std::unique_lock lock(box->m);
      if (!box->cv.wait_for(lock, 1s, [&] { return !box->events.empty(); })) {
        lock.unlock();
        return sink.write(": keep-alive\n\n", 14);
      }
      auto event = std::move(box->events.front());
      box->events.pop_front();
      lock.unlock();
      return sink.write(event.data(), event.size());
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
  void forget_session(const httplib::Request& req) {
    auto user = user_of(req);
    std::lock_guard lock(m_);
    std::erase_if(sessions_, [&](auto& kv) { return kv.second == user; });
    states_.erase(user);
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

  tern::user_connections users_;
  std::mutex m_;
  std::map<std::string, std::string> sessions_;  // cookie token -> user
  std::map<std::string, std::shared_ptr<user_state>> states_;
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
  std::thread network([&] { io.run(); });  // every user's connection, on one thread

  tern::user_connections_options o;
  o.base.brokers = {broker};
  o.idle_timeout = std::chrono::seconds(idle);
  int status = 0;
  {
    app a(io, o);
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

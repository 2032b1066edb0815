#pragma once
// tern::user_connections: one broker connection per signed-in user of a web
// application, each with that user's own broker credentials, so that the
// broker's access rules, not the application, decide what each user may
// read and publish. Every connection runs on one io_context you run (no
// thread per user); one is opened at login, closed at logout or after an
// idle timeout. See docs/client.md, "One connection per user".

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tern/client_options.hpp"

namespace tern {

/// How `user_connections` makes and keeps each user's connection.
struct user_connections_options {
  /// What every user's client starts from: brokers, TLS, keep-alive,
  /// reconnect, ... Its client id, user name and password are replaced by
  /// the user's. `store` must stay null: one message store cannot hold
  /// several clients' state (`open` refuses).
  client_options base;
  /// Each user's client id; `{user}` stands for the user name. Default
  /// "web-{user}": one connection per user at a time (the broker closes an
  /// older connection with the same id).
  std::string client_id = "web-{user}";
  /// A connection not used (`find`) for this long is closed; zero: never.
  /// Default 15 minutes.
  std::chrono::milliseconds idle_timeout{std::chrono::minutes(15)};
  /// How long a closed connection waits for what it published to be
  /// delivered before its DISCONNECT (`client::stop`'s linger). Default 1 s.
  std::chrono::milliseconds close_linger{std::chrono::seconds(1)};
};

/// The connections of the signed-in users, by user name.
///
/// **Thread safety:** every member function may be called from any thread
/// (an HTTP server's handler threads); the clients' callbacks run on the
/// io_context's threads, as for any `tern::client` on your executor.
class user_connections {
 public:
  /// Connections on `context`, which you run and which must outlive this
  /// object and every client it handed out.
  user_connections(asio::io_context& context, user_connections_options options);
  /// Closes every connection (as `close`), without waiting.
  ~user_connections();
  user_connections(const user_connections&) = delete;
  user_connections& operator=(const user_connections&) = delete;

  /// A login: makes `user`'s client with `password` as its broker password,
  /// lets `setup` register its callbacks (`on_connect` learns whether the
  /// broker accepted the credentials: a refusal is 4 or 5, and the client
  /// does not retry it), then connects. A connection the user had is
  /// closed first. Returns the client, which the registry holds until
  /// `close` or the idle timeout; a caller may keep its own reference, but
  /// the client is stopped either way. Errors (nothing made):
  /// `errc::invalid_argument` for an empty user name, or one holding
  /// `/`, `+`, `#` or a control character (it would widen a topic rule
  /// of the broker that uses it, like mosquitto's `%u`), and for options
  /// whose `base.store` is set.
  result<std::shared_ptr<client>> open(const std::string& user, std::vector<std::byte> password,
                                       const std::function<void(client&)>& setup = {});
  /// The user's client, or null when none is open; counts as a use for the
  /// idle timeout.
  std::shared_ptr<client> find(const std::string& user);
  /// A logout: the user's client sends DISCONNECT (after at most
  /// `close_linger` for its publishes) and is let go. False when the user
  /// had none.
  bool close(const std::string& user);
  /// Connections open now.
  std::size_t size() const;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace tern

#pragma once
// tern-load's command line, in the spirit of emqtt-bench: how many clients,
// how fast they connect, what they publish or subscribe to. Shared with the
// peer load programs of bench/load, which take the same flags.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace tern::load {

enum class load_mode { conn, pub, sub };

struct load_options {
  load_mode mode = load_mode::conn;
  std::string host = "127.0.0.1";
  int port = 1883;
  std::size_t clients = 100;           ///< -c
  std::size_t first_index = 0;         ///< -n: the first client's %i
  unsigned threads = 1;                ///< -T: threads running the io_context (tern)
  double connect_rate = 1000;          ///< -R: connections started per second; 0: all at once
  double jitter = 0;                   ///< --jitter: each start moves by up to this fraction of the interval
  std::string client_id = "load-%i";   ///< --id: %i is the client's index
  std::string topic = "load/%i";       ///< -t
  std::string user;                    ///< -u (a template too; empty: none)
  std::string password;                ///< -P (a template too)
  int qos = 0;                         ///< -q
  std::size_t size = 64;               ///< -s: payload bytes, at least 8 (the send time)
  double msg_rate = 1;                 ///< -r: messages per second per publishing client
  std::size_t limit = 0;               ///< -L: messages per publishing client; 0: until -d
  double duration = 10;                ///< -d: seconds of traffic, or of holding idle connections
  std::string shared_group;            ///< --shared: subscribe to $share/<group>/<topic>
  int keepalive = 300;                 ///< -k
  double progress = 1;                 ///< --progress: seconds between progress lines; 0: none
  double connect_timeout = 60;         ///< --connect-timeout: seconds to wait for every CONNACK
};

/// Parses argv (argv[1] is the mode); on an error prints it and the usage to
/// stderr and returns nothing. `program` names the program in messages.
std::optional<load_options> parse_load_options(int argc, char** argv, std::string_view program);

/// `pattern` with every %i replaced by `index` (and %% by %).
std::string expand(std::string_view pattern, std::size_t index);

/// What a `sub` client subscribes to: `topic`, under `$share/<group>/`
/// with `--shared`.
std::string subscription_filter(const load_options& o, const std::string& topic);

}  // namespace tern::load

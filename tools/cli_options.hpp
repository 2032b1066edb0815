#pragma once
// Command-line options shared by tern-pub and tern-sub, spelled as
// mosquitto_pub and mosquitto_sub spell them so that scripts can switch.

#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "tern/client_options.hpp"

namespace tern::tools {

struct cli_options {
  std::string host = "localhost";
  int port = 0;  // 0: the scheme's default
  std::string url;
  std::vector<std::string> topics;
  qos q = qos::at_most_once;
  bool debug = false;
  bool tls = false;
  client_options client;
  // tern-pub
  std::optional<std::string> message;
  std::optional<std::string> file;
  bool stdin_message = false;
  bool null_message = false;
  bool retain = false;
  // tern-sub
  long count = 0;  // -C
  bool verbose = false;
};

/// Parses argv; on an error prints a message (and usage) to stderr and
/// returns nothing. `pub` selects tern-pub's extra flags, else tern-sub's.
std::optional<cli_options> parse_cli(int argc, char** argv, bool pub);

/// The process's exit code: set once from any thread (the first call wins),
/// awaited by main().
class exit_code {
 public:
  void set(int code) {
    std::call_once(once_, [&] { promise_.set_value(code); });
  }
  int wait() { return promise_.get_future().get(); }

 private:
  std::promise<int> promise_;
  std::once_flag once_;
};

/// Logs to stderr when -d was given.
void attach_debug_log(client& c, const cli_options& o);

}  // namespace tern::tools

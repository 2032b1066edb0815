#pragma once
// The up path: C clients, each sending publish requests back to back (the
// next one when the previous one's answer came) until a deadline, over
// HTTP POST /mqtt/publish (keep-alive, reconnecting when the server closes),
// the Beast binding's WebSocket, or Socket.IO events with acks.

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "latency_histogram.hpp"
#include "problem_note.hpp"
#include "readers.hpp"
#include "stamp.hpp"

namespace tern::web_bench {

enum class up_protocol { http, ws, sio };

class up_tally {
 public:
  void on_connected() { connected_.fetch_add(1); }
  void on_answer(std::int64_t latency_ns, bool ok, std::string_view problem = {}) {
    latency_.add(latency_ns);
    last_answer_ns_.store(mono_ns(), std::memory_order_relaxed);
    (ok ? ok_ : failed_).fetch_add(1, std::memory_order_relaxed);
    if (!ok) note(problem);
  }
  void on_error(std::string_view problem) {
    errors_.fetch_add(1);
    note(problem);
  }
  std::uint64_t connected() const { return connected_.load(); }
  std::uint64_t ok() const { return ok_.load(); }
  std::uint64_t failed() const { return failed_.load(); }
  std::uint64_t errors() const { return errors_.load(); }
  std::int64_t last_answer_ns() const { return last_answer_ns_.load(std::memory_order_relaxed); }
  const latency_histogram& latency() const { return latency_; }
  std::string first_problem() { return problem_.first(); }

 private:
  void note(std::string_view why) { problem_.note(why); }
  latency_histogram latency_;
  std::atomic<std::uint64_t> connected_{0}, ok_{0}, failed_{0}, errors_{0};
  std::atomic<std::int64_t> last_answer_ns_{0};
  problem_note problem_;
};

/// One client. `connect` reports once whether it is ready; `run` then sends
/// requests until CLOCK_MONOTONIC passes `until_ns`.
class up_client {
 public:
  virtual ~up_client() = default;
  virtual void connect(std::function<void(bool)> done) = 0;
  virtual void run(std::int64_t until_ns) = 0;
};

struct up_spec {
  endpoint_spec at;
  std::string topic;    // where the requests publish
  std::string message;  // what they publish
};

std::shared_ptr<up_client> make_up_client(up_protocol p, boost::asio::io_context& ioc, const up_spec& spec,
                                          up_tally& tally);

}  // namespace tern::web_bench

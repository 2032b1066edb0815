#pragma once
// A `sync_policy::batch` store's fsyncs, on a thread of their own. An fsync
// of a log growing by 4 KiB messages takes a millisecond or more; made on
// the I/O thread before every write batch, it stalled the reads of PUBACKs
// and the writes of the next PUBLISHes behind it, halving the QoS 1 rate.
// Here the I/O thread hands the sync over and goes on; the sync's outcome
// comes back through the job's own post to the strand.
//
// Only packets that do not depend on a sync may leave ahead of it (a QoS 1
// PUBLISH, a PUBACK): the client still syncs on the I/O thread before a
// batch that holds a QoS 2 PUBLISH, PUBREC, PUBREL or PUBCOMP.

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace tern::detail {

/// **Thread safety:** `run` from one thread at a time (the strand); `stop`
/// from any thread but the syncer's own.
class store_syncer {
 public:
  store_syncer() = default;
  store_syncer(const store_syncer&) = delete;
  store_syncer& operator=(const store_syncer&) = delete;
  ~store_syncer() { stop(); }

  /// Runs `job` on the syncer's thread, started at the first call. At most
  /// one job waits: the caller runs one at a time.
  void run(std::function<void()> job);
  /// Waits for a running job to end and drops one not started; `run` does
  /// nothing after it. Called before what the jobs post to goes away.
  void stop();

 private:
  void loop();

  std::mutex m_;
  std::condition_variable cv_;
  std::function<void()> job_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace tern::detail

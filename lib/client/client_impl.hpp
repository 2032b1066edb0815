#pragma once
// The state behind tern::client. Everything here is touched on `strand_`
// only, except the members marked otherwise.

#include <asio/bind_allocator.hpp>
#include <asio/bind_executor.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <future>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "client/backoff.hpp"
#include "client/exact_allocator.hpp"
#include "client/lazy.hpp"
#include "client/lazy_timer.hpp"
#include "client/outbox.hpp"
#include "client/read_batcher.hpp"
#include "client/read_pacer.hpp"
#include "client/read_sizer.hpp"
#include "client/request_book.hpp"
#include "client/store_syncer.hpp"
#include "client/topic_handlers.hpp"
#include "client/write_queue.hpp"
#include "tern/client.hpp"
#include "tern/client_options.hpp"
#include "tern/error.hpp"
#include "tern/payload.hpp"
#include "tern/transport_error.hpp"
#include "tern/topic.hpp"
#include "transport/stream.hpp"
#include "transport/uri.hpp"

namespace tern {

using detail::outbox_item;

struct client::impl : std::enable_shared_from_this<impl> {
  impl(asio::io_context::executor_type ex, client_options options, asio::io_context* own);

  // ---- connection lifecycle (client_connection.cpp) ----
  void start_connect();
  void try_broker();
  void on_open(std::error_code ec, std::uint64_t attempt);
  void start_read();
  /// After a read, with `read_interval` set: the next read, at once or
  /// after `hold`.
  void read_after_interval(bool buffer_had_room, clock::duration hold);
  /// How long to hold the next read after one that brought `messages`
  /// PUBLISH packets (zero: read at once).
  clock::duration read_hold(clock::time_point now, std::uint64_t messages);
  /// An adaptive hold under way ends now: the read is made at once.
  void end_read_hold();
  /// After a read that found the connection quiet: gives back the buffers
  /// that only traffic needs (the actions' vector, the write queue's idle
  /// side), so that a thousand idle connections do not each keep them.
  void trim_idle();
  void queue_write(const send_bytes& s);
  void flush_writes();
  /// Writes `buffers` (the write queue's in-flight side) asynchronously.
  void start_write(std::span<const asio::const_buffer> buffers);
  /// try_publish_inline's write, on the calling thread.
  void write_inline();
  void link_lost(std::error_code ec);
  /// `after_disconnect`: linger until the broker has read the DISCONNECT.
  void close_stream(bool after_disconnect = false);
  void schedule_reconnect();
  void user_disconnect();

  // ---- stopping (client_stop.cpp) ----
  /// Starts the stop sequence, or joins the one under way: `done` runs on
  /// the strand once it is over.
  void begin_stop(std::chrono::milliseconds linger, callback<void()> done);
  /// True while something published has not completed.
  bool has_undelivered();
  /// After every batch of events: ends the wait once everything was delivered.
  void check_stop();
  /// Stops waiting: DISCONNECT (or close), then `end_stop` once the stream is gone.
  void finish_stop();
  /// Completes what was not delivered with errc::stopped; runs the `done`s.
  void end_stop();
  /// stop() or ~client on a thread running the strand (a callback).
  void stop_from_callback(std::chrono::milliseconds linger);
  bool on_io_thread() const noexcept { return own_ && std::this_thread::get_id() == own_->id->load(); }

  // ---- session actions -> callbacks (client_events.cpp) ----
  void run_actions();
  void drain_outbox();
  /// Writes `item` from the calling thread when the I/O thread is idle (see
  /// client_inline_publish.cpp); false: it must go through the outbox.
  bool try_publish_inline(detail::outbox_item& item);
  /// Hands a publish to the session; returns the session's refusal, if any.
  std::error_code publish_item(detail::outbox_item& item);
  void report_publish_error(detail::outbox_item& item, std::error_code ec);
  void handle_batch();
  void handle_all();
  void arm_session_timer(clock::time_point deadline);
  void resubscribe(bool session_present);
  void on_session_timer(std::error_code ec);
  void on_connected(const connected& c);
  void on_closed(const connection_closed& c);
  /// Reports a publish's end: on_publish and its completion on success, the
  /// completion alone with `ec` when it was never written (QoS 0).
  void complete_publish(message_id mid, std::error_code ec);
  void deliver(const message_received& m);
  void log(log_level level, std::string_view text);
  void set_error(std::error_code ec, std::string detail);
  void send_subscribe(message_id mid, const std::vector<std::pair<std::string, qos>>& filters);
  void send_unsubscribe(message_id mid, const std::vector<std::string>& filters);
  void flush_offline_requests();

  // ---- the message store (client_store.cpp) ----
  /// Constructor: rebuilds the session from options_.store.
  void restore_from_store();
  /// Any thread: records a QoS 1/2 message before publish() returns.
  std::error_code store_accepted(message_id mid, std::string_view topic, bytes_view payload, qos q, bool retain);
  /// A recorded message the session refused: forgotten again.
  void unstore(message_id mid, qos q);
  void on_store_update(const store_update& u);
  /// Before a write batch leaves: syncs the store here when the batch holds
  /// a packet that depends on its updates, else on the syncer's thread.
  void sync_before_writes();
  /// Makes the store's updates durable now, on this thread.
  void sync_store();
  /// Hands a sync of the updates so far to the syncer.
  void start_store_sync();
  /// The syncer's sync is over.
  void store_synced(std::error_code ec);

  // ---- fixed at construction ----
  asio::io_context* own_ctx_;  // owned by the client object, when it runs its own thread
  transport::strand_type strand_;
  /// What the client keeps of its options. The session keeps its own, the
  /// transport's settings are shared (`transport_`), and the CONNECT's move
  /// into the session at the first connect: a connection holds no copy of
  /// settings it does not use.
  struct kept_options {
    std::chrono::milliseconds transport_timeout;
    reconnect_options reconnect;
    std::chrono::microseconds read_pause;
    std::chrono::microseconds read_interval;
    std::chrono::milliseconds stop_linger;
    std::function<void()> executor_wakeup;
  };
  kept_options options_;
  /// A plain client's (no TLS, WebSocket or proxy settings) points at one of
  /// two process-wide instances instead of holding 330 bytes of empty
  /// strings.
  std::shared_ptr<const transport_options> transport_;
  /// The CONNECT settings until the session accepted them; then the
  /// session's `last_connect_options()`.
  std::unique_ptr<connect_options> first_connect_;
  /// Never empty once construction succeeded. Clients given the same
  /// brokers share one list (see share_brokers in client.cpp).
  std::shared_ptr<const std::vector<transport::broker_uri>> brokers_;
  std::error_code config_error_;
  /// What only a client with a message store needs: absent (8 bytes in
  /// all) for the many connections of a gateway that keep none.
  struct store_state {
    explicit store_state(std::shared_ptr<message_store> s) : target(std::move(s)) {}
    std::shared_ptr<message_store> target;  // thread-safe itself
    std::size_t limit = 0;                  // stored messages not completed, at most (0: no limit)
    std::atomic<std::size_t> pending{0};    // any thread
    // The rest: strand only.
    callback<void(message_id)> on_persisted;
    std::vector<message_id> unsynced;  // accepted, durable at the next sync
    std::vector<message_id> syncing;   // accepted, durable when syncer's sync is over
    bool dirty = false;                // updates since the last sync began
    bool sync_running = false;         // on syncer's thread
    bool writes_need_sync = false;     // a pending packet depends on the store's updates
    // Stores that defer their syncs (sync_policy::batch) only; made with
    // the client and never changed, its thread started at the first sync.
    std::unique_ptr<detail::store_syncer> syncer;
    std::string note;     // logged at the first connect
    std::string warning;  // a damaged store, logged at the first connect
  };
  std::unique_ptr<store_state> store_;  // made by the constructor, never changed

  // ---- any thread ----
  std::atomic<bool> connected_{false};
  detail::outbox outbox_;
  // Held by every handler of the strand while it runs, and by a publishing
  // thread that writes its message itself (try_publish_inline): the strand
  // alone cannot keep a thread outside it from running at the same time.
  std::mutex io_mutex_;
  mutable std::mutex error_mutex_;
  std::error_code last_error_;
  std::string last_error_detail_;
  std::string client_id_;  // under error_mutex_: read by any thread
  /// What only a client with its own I/O thread needs: made by the
  /// constructor for such a client, absent (no bytes spent) for one on your
  /// executor, the way thousands of connections in one process run.
  struct own_thread {
    explicit own_thread(clock::duration read_pause) : read_pacer(read_pause) {}
    // start() and stop(). Never held while waiting for the strand: a
    // callback's stop() takes it too.
    std::mutex lifecycle_m;
    std::thread thread;
    std::shared_future<void> exited;  // of the last thread started (valid once one was)
    // The thread running the io_context, while it runs. Shared with that
    // thread, which may outlive the impl (a callback destroyed the client)
    // and clears it on the way out: a later thread with a reused id must
    // not pass for it.
    std::shared_ptr<std::atomic<std::thread::id>> id = std::make_shared<std::atomic<std::thread::id>>();
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
    detail::read_pacer read_pacer;  // on the strand
    // stop() waits on `linger_cv` for no stream left lingering.
    std::mutex linger_m;
    std::condition_variable linger_cv;
  };
  std::unique_ptr<own_thread> own_;
  // Counters for stats(): written on the strand, read from any thread.
  std::atomic<std::uint64_t> connects_{0};
  std::atomic<int> last_connack_code_{-1};
  std::atomic<std::uint64_t> messages_in_{0};
  std::atomic<std::uint64_t> messages_out_{0};
  std::atomic<std::size_t> inflight_{0};
  std::atomic<std::size_t> queued_{0};

  // ---- strand only ----
  session session_;  // but next_message_id(), thread-safe, is taken on callers' threads
  std::vector<action> actions_;
  // Shared with every pending operation's handler: a stream closed while a
  // TLS read is pending must outlive that read's completion.
  std::shared_ptr<transport::stream> stream_;
  std::uint64_t attempt_ = 0;  // identifies the current stream in completion handlers
  std::size_t broker_index_ = 0;
  std::size_t brokers_tried_ = 0;
  bool want_connection_ = false;
  bool stream_open_ = false;
  bool timed_out_ = false;
  bool renew_subscriptions_ = false;  // CONNACK seen: renew subscriptions after the batch
  bool renew_session_present_ = false;
  bool trim_after_read_ = false;  // the read being handled brought the CONNACK
  bool permanent_failure_ = false;
  bool read_held_ = false;  // read_timer_ holds the next read
  // The levels the session and the client emit; read by try_publish_inline
  // under io_mutex_ (see set_log_mask).
  std::uint8_t log_mask_ = 0;  // set by the constructor
  struct stop_state {
    clock::time_point deadline;
    std::vector<callback<void()>> done;
    bool finishing = false;  // DISCONNECT sent (or the stream closed); waiting for the stream to go
  };
  std::unique_ptr<stop_state> stop_;  // while a stop is under way
  detail::lazy_timer stop_timer_{strand_};
  detail::read_sizer read_size_;
  clock::time_point read_ready_{};  // the last read was handled: from here on, waiting for bytes
  transport::steady_timer session_timer_;
  clock::time_point timer_armed_ = clock::time_point::max();  // when session_timer_ fires
  detail::lazy_timer transport_timer_{strand_};  // while the transport opens
  detail::lazy_timer reconnect_timer_{strand_};
  detail::lazy_timer read_timer_{strand_};  // read_interval's wait: only a client with one set makes it
  std::unique_ptr<detail::read_batcher> read_batcher_;  // with adaptive_read_interval only
  detail::backoff backoff_;

  detail::write_queue writes_;
  // try_publish_inline writes at most one message per inline_spacing.
  static constexpr clock::duration inline_spacing = std::chrono::microseconds(100);
  clock::time_point last_inline_{};
  bool close_after_write_ = false;
  bool close_gracefully_ = false;  // the close after the last write follows a DISCONNECT
  // Closed streams still waiting for the broker to close. Counted down by
  // the linger's own handler, which is not guarded (linger_close may call it
  // at once, from a guarded handler); the stop() of a client with its own
  // thread waits for zero.
  std::atomic<int> lingering_{0};
  void linger_over() {
    if (!own_) return void(--lingering_);
    {
      std::lock_guard lock(own_->linger_m);
      --lingering_;
    }
    own_->linger_cv.notify_all();
  }

  // Made at the first request that needs it (a subscription, a completion
  // to keep): an idle connection has none.
  detail::lazy<detail::request_book> requests_;
  detail::request_book& requests() { return requests_.get(); }

  // Callbacks.
  callback<void(bool, int)> on_connect_;
  callback<void(error_code)> on_disconnect_;
  callback<void(const message_received&)> on_message_;
  callback<void(message_id)> on_publish_;
  callback<void(message_id, array_view<const std::uint8_t>)> on_subscribe_;
  callback<void(message_id)> on_unsubscribe_;
  callback<void(log_level, string_ref)> on_log_;
  callback<void()> on_batch_end_;
  detail::topic_handlers topic_handlers_;

  /// `f` as a handler that runs on the strand holding io_mutex_. Every
  /// completion handler of the client that touches its state is made by
  /// this. Such a handler must never be called inside the call that starts
  /// its operation (io_mutex_ is held there): asio never does, and
  /// transport::stream posts its early failures.
  template <class F>
  auto guarded(F&& f) {
    return asio::bind_executor(strand_, [m = &io_mutex_, f = std::forward<F>(f)](auto&&... args) mutable {
      std::lock_guard lock(*m);
      f(std::forward<decltype(args)>(args)...);
    });
  }
  /// `h`, for an operation that may wait long: its memory is not a block
  /// recycled from a larger operation (exact_allocator.hpp).
  template <class H>
  static auto long_wait(H&& h) {
    return asio::bind_allocator(detail::exact_allocator<void>(), std::forward<H>(h));
  }
  template <class F>
  void post(F&& f) {
    // Decided before posting: once posted, the work may run on another
    // thread and end this impl (a callback that destroys its client).
    std::function<void()> wake;
    if (options_.executor_wakeup && !strand_.running_in_this_thread()) wake = options_.executor_wakeup;
    asio::post(strand_, guarded([self = shared_from_this(), f = std::forward<F>(f)]() mutable { f(*self); }));
    if (wake) wake();
  }
  /// Queues `f(*this)` behind the publishes made so far and before later
  /// ones: subscribe and unsubscribe keep their place among publishes.
  template <class F>
  void push_command(F&& f) {
    // std::function needs a copyable target: the request lives in a shared_ptr.
    auto fn = std::make_shared<std::decay_t<F>>(std::forward<F>(f));
    outbox_.push(outbox_item{0, {}, nullptr, [this, fn] { (*fn)(*this); }},
                 [this] { post([](impl& self) { self.drain_outbox(); }); });
  }
};

// What a client holds: the impl, and the io_context of a client that owns
// its I/O thread. Declared first: destroyed after the impl is released.
// Shared with the I/O thread, which outlives the client when a callback
// destroyed it.
struct client::state {
  std::shared_ptr<asio::io_context> own_ctx;
  std::shared_ptr<client::impl> impl;
};

}  // namespace tern

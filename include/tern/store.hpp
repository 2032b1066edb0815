#pragma once
// Message stores: where a client keeps its QoS 1/2 messages and inbound
// QoS 2 ids so that they survive the process (see docs/client.md, "Messages
// that survive a restart").
//
// A store applies the session's `store_update`s (tern/session.hpp) and gives
// back a `stored_state` that `session::restore` rebuilds a session from.
// tern::client drives it: `client_options::store`.

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>

#include "tern/result.hpp"
#include "tern/session.hpp"

namespace tern {

namespace detail {
class store_state;
}

/// The interface tern::client drives. **Thread safety:** implementations are
/// safe to call from several threads.
class message_store {
 public:
  virtual ~message_store() = default;
  /// Everything held (the client restores it when it is made).
  virtual stored_state load() const = 0;
  /// Records one update. An error (a full disk, say) means it was not
  /// recorded and what was recorded before is intact.
  virtual std::error_code apply(const store_update& u) = 0;
  /// Makes every update applied so far durable, when the store's policy
  /// leaves that to its caller (`sync_policy::batch`); otherwise does nothing.
  virtual std::error_code sync() = 0;
  /// How many updates were made durable so far (for a caller that reports
  /// when a message became durable). Equal to the updates applied for a
  /// store whose updates are durable at once.
  virtual std::uint64_t durable_updates() const noexcept = 0;
  /// True when updates become durable only at `sync()` (`sync_policy::batch`).
  virtual bool defers_sync() const noexcept { return false; }
};

/// The state in this process's memory: it survives a client, not the
/// process. tern::client's default (without a store) is equivalent.
class memory_store final : public message_store {
 public:
  memory_store();
  ~memory_store() override;
  stored_state load() const override;
  std::error_code apply(const store_update& u) override;
  std::error_code sync() override { return {}; }
  std::uint64_t durable_updates() const noexcept override;

 private:
  mutable std::mutex m_;
  std::unique_ptr<detail::store_state> state_;
  std::uint64_t applied_ = 0;
};

/// When a file store's updates reach the disk.
enum class sync_policy : std::uint8_t {
  /// A message accepted is fsynced before the update returns: it is on disk
  /// before `publish()` reports it accepted. The other updates are fsynced
  /// at `sync()`, as with `batch`. As fast as the disk's fsyncs.
  every,
  /// One fsync per `sync()`: tern::client calls it once per write batch,
  /// before the batch's packets leave when one of them depends on the
  /// updates (a QoS 2 PUBLISH, PUBREL, PUBREC, PUBCOMP), else on a thread of
  /// its own while they leave. `apply()` is not held up by a running
  /// fsync. A power loss can lose what was accepted since the last sync; a
  /// message's durability is reported.
  batch,
  /// Never fsync: updates are written to the file at once, so they survive
  /// the process (a crash, kill -9) through the page cache, not a power loss.
  none,
};

/// How a `file_store` writes.
struct file_store_options {
  sync_policy sync = sync_policy::batch;  ///< when updates reach the disk (see `sync_policy`)
  /// The log is rewritten with only what is still alive once it holds at
  /// least this many records and four times as many as are alive.
  std::size_t compact_after_records = 4096;
};

/// What opening a store found and did, for the log.
struct store_open_report {
  std::string path;                 ///< the store's file
  std::size_t records = 0;          ///< records read
  std::size_t messages = 0;         ///< messages restored
  std::size_t inbound_qos2 = 0;     ///< inbound QoS 2 ids restored
  std::size_t skipped_records = 0;  ///< whole records that fitted nothing held
  std::size_t dropped_bytes = 0;    ///< a torn or damaged tail, dropped
  std::string damage;               ///< why it was dropped; empty if nothing was
};

/// An append-only log in a directory, one per client id:
/// `<dir>/<client id>.tern-store`, with `<client id>.lock` held while open so
/// that a second process (or a second store in this one) is refused.
class file_store final : public message_store {
 public:
  /// Opens (or creates) the store of `client_id` in `dir` (created if
  /// missing, one level). A torn or damaged tail is dropped (the rest is
  /// kept; `report()` says how much) and the log rewritten without it.
  /// Errors: `errc::store_locked` (open elsewhere: `detail` names the
  /// holder's pid), `errc::store_unknown_version`, `errc::store_not_a_store`
  /// (the file is left untouched), `errc::invalid_argument` (an empty client
  /// id), or the file system's error (`detail` names the path).
  static result<std::unique_ptr<file_store>> open(const std::string& dir, const std::string& client_id,
                                                  const file_store_options& options = {},
                                                  std::string* detail = nullptr);
  ~file_store() override;

  stored_state load() const override;
  std::error_code apply(const store_update& u) override;
  std::error_code sync() override;
  std::uint64_t durable_updates() const noexcept override;
  bool defers_sync() const noexcept override { return policy() == sync_policy::batch; }

  /// What opening the store found and did.
  const store_open_report& report() const noexcept;
  /// The sync policy it was opened with.
  sync_policy policy() const noexcept;
  /// fsyncs made so far (compactions included).
  std::uint64_t fsyncs() const noexcept;
  /// Times the log was rewritten.
  std::uint64_t compactions() const noexcept;

  /// The file name a client id is stored under: bytes outside
  /// [A-Za-z0-9._-] are written %XX, so any id makes one file in `dir`.
  static std::string file_name(const std::string& client_id);

 private:
  struct impl;
  explicit file_store(std::unique_ptr<impl> i);
  std::unique_ptr<impl> impl_;
};

}  // namespace tern

// The durable message store: an append-only log per client id (the format
// is in log_format.hpp), a lock file, fsync by policy, and compaction.

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "store/log_format.hpp"
#include "store/store_state.hpp"
#include "tern/error.hpp"
#include "tern/store.hpp"

namespace tern {

namespace {

std::error_code last_errno() { return {errno, std::generic_category()}; }

std::error_code write_all(int fd, std::span<const std::byte> b) {
  while (!b.empty()) {
    auto n = ::write(fd, b.data(), b.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return last_errno();
    }
    b = b.subspan(static_cast<std::size_t>(n));
  }
  return {};
}

std::error_code read_all(int fd, std::vector<std::byte>& out) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return last_errno();
  out.resize(static_cast<std::size_t>(st.st_size));
  std::size_t at = 0;
  while (at < out.size()) {
    auto n = ::pread(fd, out.data() + at, out.size() - at, static_cast<off_t>(at));
    if (n < 0) {
      if (errno == EINTR) continue;
      return last_errno();
    }
    if (n == 0) break;
    at += static_cast<std::size_t>(n);
  }
  out.resize(at);
  return {};
}

struct fd_guard {
  int fd = -1;
  ~fd_guard() {
    if (fd >= 0) ::close(fd);
  }
  int release() { return std::exchange(fd, -1); }
};

}  // namespace

struct file_store::impl {
  file_store_options opts;
  std::string dir, log_path, lock_path;
  int log_fd = -1, lock_fd = -1;
  mutable std::mutex m;
  detail::store_state state;
  std::size_t file_records = 0;  // records in the log now
  std::uint64_t file_size = 0;
  std::uint64_t applied = 0, durable = 0, fsyncs = 0, compactions = 0;
  bool dirty = false;
  std::vector<std::byte> buf;
  store_open_report report;

  ~impl() {
    if (log_fd >= 0) {
      if (dirty) (void)::fdatasync(log_fd);
      ::close(log_fd);
    }
    if (lock_fd >= 0) ::close(lock_fd);  // releases the lock
  }

  std::error_code datasync(int fd) {
    ++fsyncs;
    return ::fdatasync(fd) == 0 ? std::error_code{} : last_errno();
  }

  // Appends `buf`; on failure cuts the log back to where it was, so that a
  // half-written record never sits in front of the next one.
  std::error_code append() {
    if (auto ec = write_all(log_fd, buf)) {
      if (::ftruncate(log_fd, static_cast<off_t>(file_size)) != 0) {
        // The log could not be cut back: a later read stops at the torn record.
      }
      return ec;
    }
    file_size += buf.size();
    return {};
  }

  // Writes what is alive to a new file and puts it in the log's place
  // (rename: a crash leaves either the old log or the new one).
  std::error_code compact() {
    auto tmp = log_path + ".tmp";
    fd_guard f{::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600)};
    if (f.fd < 0) return last_errno();
    buf.clear();
    detail::encode_store_header(buf);
    detail::encode_store_state(state, buf);
    auto ec = write_all(f.fd, buf);
    if (!ec && opts.sync != sync_policy::none) ec = datasync(f.fd);
    if (!ec && ::rename(tmp.c_str(), log_path.c_str()) != 0) ec = last_errno();
    if (ec) {
      ::unlink(tmp.c_str());
      return ec;
    }
    if (opts.sync != sync_policy::none) {
      fd_guard d{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
      if (d.fd >= 0) (void)datasync(d.fd);  // the rename itself
    }
    ::close(log_fd);
    log_fd = f.release();
    file_records = state.records();
    file_size = buf.size();
    ++compactions;
    dirty = false;
    if (opts.sync != sync_policy::none) durable = applied;
    return {};
  }
};

std::string file_store::file_name(const std::string& client_id) {
  static const char* hexdigits = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : client_id) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                 c == '-' || (c == '.' && !out.empty());  // no leading dot: no hidden file, no ".."
    if (plain) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hexdigits[c >> 4];
      out += hexdigits[c & 15];
    }
  }
  return out;
}

result<std::unique_ptr<file_store>> file_store::open(const std::string& dir, const std::string& client_id,
                                                     const file_store_options& options, std::string* detail) {
  auto fail = [detail](std::error_code ec, const std::string& what) -> result<std::unique_ptr<file_store>> {
    if (detail) *detail = "message store: " + what + ": " + ec.message();
    return ec;
  };
  if (client_id.empty()) return fail(errc::invalid_argument, "a store needs a client id");
  auto i = std::make_unique<impl>();
  i->opts = options;
  i->dir = dir.empty() ? "." : dir;
  auto base = i->dir + "/" + file_name(client_id);
  i->log_path = base + ".tern-store";
  i->lock_path = base + ".lock";
  i->report.path = i->log_path;

  if (::mkdir(i->dir.c_str(), 0700) != 0 && errno != EEXIST) return fail(last_errno(), "cannot create " + i->dir);
  i->lock_fd = ::open(i->lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (i->lock_fd < 0) return fail(last_errno(), "cannot create " + i->lock_path);
  if (::flock(i->lock_fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK) return fail(last_errno(), "cannot lock " + i->lock_path);
    char pid[32] = {};
    auto n = ::pread(i->lock_fd, pid, sizeof pid - 1, 0);
    std::string holder = n > 0 ? std::string(pid, static_cast<std::size_t>(n)) : "another process";
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
    return fail(errc::store_locked, i->log_path + " is open in process " + holder);
  }
  auto pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(i->lock_fd, 0) != 0 || ::pwrite(i->lock_fd, pid.data(), pid.size(), 0) < 0)
    return fail(last_errno(), "cannot write " + i->lock_path);

  i->log_fd = ::open(i->log_path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (i->log_fd < 0) return fail(last_errno(), "cannot open " + i->log_path);
  std::vector<std::byte> bytes;
  if (auto ec = read_all(i->log_fd, bytes)) return fail(ec, "cannot read " + i->log_path);
  auto rec = detail::recover_store(bytes);
  if (rec.error) return fail(rec.error, i->log_path + " (left untouched)");
  i->report.records = rec.records;
  i->report.skipped_records = rec.skipped;
  i->report.dropped_bytes = rec.dropped_bytes;
  i->report.damage = rec.damage;
  i->state = std::move(rec.state);
  i->report.messages = i->state.messages();
  i->report.inbound_qos2 = i->state.inbound();
  i->file_records = rec.records;
  i->file_size = bytes.size();
  if (rec.good_bytes == 0 || rec.dropped_bytes != 0 || rec.skipped != 0) {
    // A new file, or one with a damaged tail: write what is alive afresh.
    if (auto ec = i->compact()) return fail(ec, "cannot write " + i->log_path);
    i->compactions = 0;
  }
  return std::unique_ptr<file_store>(new file_store(std::move(i)));
}

file_store::file_store(std::unique_ptr<impl> i) : impl_(std::move(i)) {}
file_store::~file_store() = default;

stored_state file_store::load() const {
  std::lock_guard lock(impl_->m);
  return impl_->state.snapshot();
}

std::error_code file_store::apply(const store_update& u) {
  auto& i = *impl_;
  std::lock_guard lock(i.m);
  if (!i.state.fits(u)) return errc::store_invalid;
  i.buf.clear();
  detail::encode_store_record(u, i.buf);
  if (auto ec = i.append()) return ec;
  // `every` owes publish() an accepted message on disk; the other updates
  // only have to be on disk before the packets that depend on them leave,
  // which the client's sync() sees to.
  bool now = i.opts.sync == sync_policy::every && u.what == store_update::kind::message_accepted;
  if (now) {
    if (auto ec = i.datasync(i.log_fd)) {
      // Not known to be on disk: take it back, as if it had never been written.
      if (::ftruncate(i.log_fd, static_cast<off_t>(i.file_size - i.buf.size())) == 0) i.file_size -= i.buf.size();
      return ec;
    }
  }
  i.state.apply(u);
  ++i.file_records;
  ++i.applied;
  if (now) {
    i.dirty = false;  // the fdatasync covered every earlier write too
    i.durable = i.applied;
  } else if (i.opts.sync == sync_policy::none) {
    i.durable = i.applied;
  } else {
    i.dirty = true;
  }
  if (i.file_records >= i.opts.compact_after_records && i.file_records >= 4 * i.state.records())
    (void)i.compact();  // on failure the long log stays valid, and the next update tries again
  return {};
}

std::error_code file_store::sync() {
  auto& i = *impl_;
  std::unique_lock lock(i.m);
  if (!i.dirty) return {};
  // The fdatasync runs outside the lock, so that apply() (a publishing
  // thread, the I/O thread) goes on meanwhile; what it appends from here on
  // is left for the next sync. The descriptor is our own: a compaction may
  // close the log's meanwhile (and makes everything durable itself).
  fd_guard fd{::dup(i.log_fd)};
  if (fd.fd < 0) return last_errno();
  auto upto = i.applied;
  i.dirty = false;
  ++i.fsyncs;
  lock.unlock();
  bool ok = ::fdatasync(fd.fd) == 0;
  auto ec = ok ? std::error_code{} : last_errno();
  lock.lock();
  if (!ok) {
    i.dirty = true;
    return ec;
  }
  i.durable = std::max(i.durable, upto);
  return {};
}

std::uint64_t file_store::durable_updates() const noexcept {
  std::lock_guard lock(impl_->m);
  return impl_->durable;
}

const store_open_report& file_store::report() const noexcept { return impl_->report; }
sync_policy file_store::policy() const noexcept { return impl_->opts.sync; }

std::uint64_t file_store::fsyncs() const noexcept {
  std::lock_guard lock(impl_->m);
  return impl_->fsyncs;
}

std::uint64_t file_store::compactions() const noexcept {
  std::lock_guard lock(impl_->m);
  return impl_->compactions;
}

}  // namespace tern

// The client's message store (client_options::store): what the session
// kept is restored when the client is made; a QoS 1/2 message is recorded
// before publish() returns (so a full disk fails the publish, and with
// sync_policy::every the message is on disk by then); every other change the
// session reports is recorded as its actions are handled; and no packet goes
// out ahead of the state it depends on (docs/session.md, "The store seam"):
// a write batch holding such a packet is preceded by a sync on the I/O
// thread. With sync_policy::batch, other batches leave at once while
// store_syncer makes their updates durable behind them.

#include "client/client_impl.hpp"
#include "tern/store.hpp"

namespace tern {

void client::impl::restore_from_store() {
  auto state = store_->load();
  if (auto ec = session_.restore(state)) {
    config_error_ = ec;
    last_error_detail_ = "message store: cannot restore its contents: " + ec.message();
    return;
  }
  stored_pending_ = state.messages.size();
  // What opening a file store found wrong is said, with counts, at the first connect.
  if (const auto* fs = dynamic_cast<const file_store*>(store_.get())) {
    const auto& r = fs->report();
    if (r.dropped_bytes != 0 || r.skipped_records != 0)
      store_warning_ = "message store " + r.path + ": " + std::to_string(r.records) + " records read, " +
                       std::to_string(r.skipped_records) + " skipped, " + std::to_string(r.dropped_bytes) +
                       " bytes dropped (" + (r.damage.empty() ? "records that fit nothing held" : r.damage) +
                       "); what came before them was kept";
  }
  if (!state.messages.empty() || !state.inbound_qos2.empty())
    store_note_ = "Restored " + std::to_string(state.messages.size()) + " messages and " +
                  std::to_string(state.inbound_qos2.size()) + " inbound QoS 2 ids from the message store";
}

std::error_code client::impl::store_accepted(message_id mid, std::string_view topic, bytes_view payload, qos q,
                                             bool retain) {
  if (!store_ || q == qos::at_most_once) return {};
  // The queue limit is checked here, not in the session: a message publish()
  // accepted is stored, and must not be refused after that.
  if (store_limit_ != 0 && stored_pending_.fetch_add(1) >= store_limit_) {
    --stored_pending_;
    return errc::queue_full;
  }
  if (store_limit_ == 0) ++stored_pending_;
  store_update u;
  u.what = store_update::kind::message_accepted;
  u.mid = mid;
  u.topic = topic;
  u.payload = payload;
  u.qos = q;
  u.retain = retain;
  auto ec = store_->apply(u);
  if (ec) --stored_pending_;
  return ec;
}

void client::impl::unstore(message_id mid, qos q) {
  if (!store_ || q == qos::at_most_once) return;
  store_update u;
  u.what = store_update::kind::message_completed;
  u.mid = mid;
  --stored_pending_;
  if (auto ec = store_->apply(u)) log(log_level::err, "message store: cannot forget a refused message: " + ec.message());
}

void client::impl::on_store_update(const store_update& u) {
  store_dirty_ = true;
  if (u.what == store_update::kind::message_accepted) {
    // publish() recorded it already, on its caller's thread.
    if (store_->defers_sync())
      unsynced_.push_back(u.mid);
    else if (on_persisted_)
      on_persisted_(u.mid);
    return;
  }
  if (u.what == store_update::kind::message_completed) --stored_pending_;
  if (auto ec = store_->apply(u)) {
    // The packet still goes: a crash before the next good write may then
    // re-send this message as a new one.
    log(log_level::err, "message store: cannot record a change: " + ec.message());
  }
}

void client::impl::sync_before_writes() {
  if (!store_->defers_sync() || writes_need_sync_) {
    writes_need_sync_ = false;
    sync_store();
  } else if (store_dirty_ && !store_sync_running_) {
    start_store_sync();
  }
}

void client::impl::sync_store() {
  store_dirty_ = false;
  if (auto ec = store_->sync()) {
    store_dirty_ = true;
    log(log_level::err, "message store: sync failed: " + ec.message());
    return;
  }
  // Covers what syncer_'s sync, if one is running, covers too: reported
  // here first, in the order accepted.
  auto mids = std::move(syncing_);
  syncing_.clear();
  mids.insert(mids.end(), unsynced_.begin(), unsynced_.end());
  unsynced_.clear();
  if (on_persisted_)
    for (auto mid : mids) on_persisted_(mid);
}

void client::impl::start_store_sync() {
  store_dirty_ = false;
  store_sync_running_ = true;
  // syncing_ is empty here: the last sync's completion, or a sync on this
  // thread since, reported and cleared it. A swap, not a copy.
  syncing_.swap(unsynced_);
  // The job holds no reference to this impl: its last one must never be
  // dropped on syncer_'s thread, which ~impl joins.
  if (!syncer_) syncer_ = std::make_unique<detail::store_syncer>();
  syncer_->run([store = store_, strand = strand_, w = weak_from_this(), wake = options_.executor_wakeup] {
    auto ec = store->sync();
    asio::post(strand, [w, ec] {
      if (auto self = w.lock()) {
        std::lock_guard lock(self->io_mutex_);
        self->store_synced(ec);
      }
    });
    if (wake) wake();
  });
}

void client::impl::store_synced(std::error_code ec) {
  store_sync_running_ = false;
  if (ec) {
    // Tried again with the next write batch.
    log(log_level::err, "message store: sync failed: " + ec.message());
    unsynced_.insert(unsynced_.begin(), syncing_.begin(), syncing_.end());
    syncing_.clear();
    store_dirty_ = true;
    return;
  }
  auto mids = std::move(syncing_);
  syncing_.clear();
  if (on_persisted_)
    for (auto mid : mids) on_persisted_(mid);
  if (store_dirty_) start_store_sync();
}

}  // namespace tern

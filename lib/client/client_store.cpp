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
  auto state = store_->target->load();
  if (auto ec = session_.restore(state)) {
    config_error_ = ec;
    last_error_detail_ = "message store: cannot restore its contents: " + ec.message();
    return;
  }
  store_->pending = state.messages.size();
  // What opening a file store found wrong is said, with counts, at the first connect.
  if (const auto* fs = dynamic_cast<const file_store*>(store_->target.get())) {
    const auto& r = fs->report();
    if (r.dropped_bytes != 0 || r.skipped_records != 0)
      store_->warning = "message store " + r.path + ": " + std::to_string(r.records) + " records read, " +
                       std::to_string(r.skipped_records) + " skipped, " + std::to_string(r.dropped_bytes) +
                       " bytes dropped (" + (r.damage.empty() ? "records that fit nothing held" : r.damage) +
                       "); what came before them was kept";
  }
  if (!state.messages.empty() || !state.inbound_qos2.empty())
    store_->note = "Restored " + std::to_string(state.messages.size()) + " messages and " +
                  std::to_string(state.inbound_qos2.size()) + " inbound QoS 2 ids from the message store";
}

std::error_code client::impl::store_accepted(message_id mid, std::string_view topic, bytes_view payload, qos q,
                                             bool retain) {
  if (!store_ || q == qos::at_most_once) return {};
  // The queue limit is checked here, not in the session: a message publish()
  // accepted is stored, and must not be refused after that.
  if (store_->limit != 0 && store_->pending.fetch_add(1) >= store_->limit) {
    --store_->pending;
    return errc::queue_full;
  }
  if (store_->limit == 0) ++store_->pending;
  store_update u;
  u.what = store_update::kind::message_accepted;
  u.mid = mid;
  u.topic = topic;
  u.payload = payload;
  u.qos = q;
  u.retain = retain;
  auto ec = store_->target->apply(u);
  if (ec) --store_->pending;
  return ec;
}

void client::impl::unstore(message_id mid, qos q) {
  if (!store_ || q == qos::at_most_once) return;
  store_update u;
  u.what = store_update::kind::message_completed;
  u.mid = mid;
  --store_->pending;
  if (auto ec = store_->target->apply(u)) log(log_level::err, "message store: cannot forget a refused message: " + ec.message());
}

void client::impl::on_store_update(const store_update& u) {
  store_->dirty = true;
  if (u.what == store_update::kind::message_accepted) {
    // publish() recorded it already, on its caller's thread.
    if (store_->target->defers_sync())
      store_->unsynced.push_back(u.mid);
    else if (store_->on_persisted)
      store_->on_persisted(u.mid);
    return;
  }
  if (u.what == store_update::kind::message_completed) --store_->pending;
  if (auto ec = store_->target->apply(u)) {
    // The packet still goes: a crash before the next good write may then
    // re-send this message as a new one.
    log(log_level::err, "message store: cannot record a change: " + ec.message());
  }
}

void client::impl::sync_before_writes() {
  if (!store_->target->defers_sync() || store_->writes_need_sync) {
    store_->writes_need_sync = false;
    sync_store();
  } else if (store_->dirty && !store_->sync_running) {
    start_store_sync();
  }
}

void client::impl::sync_store() {
  store_->dirty = false;
  if (auto ec = store_->target->sync()) {
    store_->dirty = true;
    log(log_level::err, "message store: sync failed: " + ec.message());
    return;
  }
  // Covers what the syncer's sync, if one is running, covers too: reported
  // here first, in the order accepted.
  auto mids = std::move(store_->syncing);
  store_->syncing.clear();
  mids.insert(mids.end(), store_->unsynced.begin(), store_->unsynced.end());
  store_->unsynced.clear();
  if (store_->on_persisted)
    for (auto mid : mids) store_->on_persisted(mid);
}

void client::impl::start_store_sync() {
  store_->dirty = false;
  store_->sync_running = true;
  // store_->syncing is empty here: the last sync's completion, or a sync on this
  // thread since, reported and cleared it. A swap, not a copy.
  store_->syncing.swap(store_->unsynced);
  // The job holds no reference to this impl: its last one must never be
  // dropped on the syncer's thread, which ~impl joins.
  store_->syncer->run([store = store_->target, strand = strand_, w = weak_from_this(), wake = options_.executor_wakeup] {
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
  store_->sync_running = false;
  if (ec) {
    // Tried again with the next write batch.
    log(log_level::err, "message store: sync failed: " + ec.message());
    store_->unsynced.insert(store_->unsynced.begin(), store_->syncing.begin(), store_->syncing.end());
    store_->syncing.clear();
    store_->dirty = true;
    return;
  }
  auto mids = std::move(store_->syncing);
  store_->syncing.clear();
  if (store_->on_persisted)
    for (auto mid : mids) store_->on_persisted(mid);
  if (store_->dirty) start_store_sync();
}

}  // namespace tern

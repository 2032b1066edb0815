// The client's message store (client_options::store): what the session
// kept is restored when the client is made; a QoS 1/2 message is recorded
// before publish() returns (so a full disk fails the publish, and with
// sync_policy::every the message is on disk by then); every other change the
// session reports is recorded as its actions are handled; and the store is
// synced before each write batch leaves, so no packet goes out ahead of the
// state it depends on (docs/session.md, "The store seam").

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

void client::impl::sync_store() {
  if (auto ec = store_->sync()) {
    log(log_level::err, "message store: sync failed: " + ec.message());
    return;
  }
  if (unsynced_.empty()) return;
  auto mids = std::move(unsynced_);
  unsynced_.clear();
  if (on_persisted_)
    for (auto mid : mids) on_persisted_(mid);
}

}  // namespace tern

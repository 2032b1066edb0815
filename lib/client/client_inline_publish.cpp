// A publish made while the client's I/O thread sleeps is written by the
// publishing thread itself. Handing it to the I/O thread costs a wake-up of
// that thread before the bytes can leave: in tern-bench, paced at 5,000
// msgs/s, p50 latency at QoS 0 was 64 µs through the I/O thread and 46 µs
// without it. The publishing thread writes what the socket takes at once
// (sendmsg, MSG_DONTWAIT); the I/O thread is woken only for what is left, or
// to run the callback of a QoS 0 message: at QoS 1 and 2 a paced publisher's
// I/O thread then wakes once per message (the acknowledgement), not twice.
//
// The publishing thread holds io_mutex_, which every strand handler holds
// while it runs, so it never runs beside one. It writes only when nothing
// else could be reordered or reported by doing so: the outbox is empty (no
// earlier request waits), no write is under way or queued, and the session
// sends the message at once (nothing queued, room in the window). It never
// runs a callback: the debug log line of a send would, so with debug logging
// on, and for a refusal, the work stays with the I/O thread.

#include "client/client_impl.hpp"

namespace tern {

bool client::impl::try_publish_inline(detail::outbox_item& item) {
  // Only on a thread outside the strand (a callback's publish re-entering
  // the session would break the batch it runs in), with the client's own I/O
  // thread (a caller's io_context may run the strand on any of its threads),
  // and over plain TCP (TLS and WebSocket state is shared with the read side).
  if (!own_ctx_ || strand_.running_in_this_thread()) return false;
  // With a store, a QoS 1/2 message's updates are synced by the I/O thread
  // before its bytes leave.
  if (store_ && item.msg.qos != qos::at_most_once) return false;
  std::unique_lock lock(io_mutex_, std::try_to_lock);
  if (!lock) return false;  // the I/O thread is busy: it will take the outbox soon
  if (!stream_open_ || !stream_->plain() || !session_.is_connected()) return false;
  if (writes_.in_flight() || writes_.has_pending() || !outbox_.empty()) return false;
  if (session_.queued() != 0) return false;
  if (item.msg.qos != qos::at_most_once && session_.inflight() >= session_.max_inflight()) return false;
  if (on_log_ && (log_mask_ & static_cast<std::uint8_t>(log_level::debug))) return false;
  // A burst goes through the outbox, where its messages share wake-ups and
  // writes; one syscall per message from here would cost more than it saves
  // (unpaced QoS 0, 64 B: 2-4 µs of client CPU per message, 5-15 without).
  auto now = clock::now();
  if (now - last_inline_ < inline_spacing) return false;
  last_inline_ = now;
  if (auto ec = publish_item(item)) {
    post([item = std::move(item), ec](impl& self) mutable { self.report_publish_error(item, ec); });
  }
  write_inline();
  return true;
}

void client::impl::write_inline() {
  if (!writes_.has_pending()) return;  // the session refused the message
  auto buffers = writes_.start();
  std::size_t total = 0;
  for (const auto& b : buffers) total += b.size();
  auto n = stream_->write_now(buffers);
  // What the socket does not take now (or an error) is left to an
  // async_write, whose completion runs on the I/O thread as usual.
  if (n < total) return start_write(writes_.consume(n));
  // All written: the I/O thread need not be woken, unless a QoS 0 message
  // has a callback to run (on the I/O thread, like every callback).
  writes_.done([this](message_id mid) {
    if (auto* book = requests_.find(); on_publish_ || (book && book->publish_done.contains(mid)))
      post([mid](impl& self) {
        self.complete_publish(mid, {});
        if (self.on_batch_end_) self.on_batch_end_();  // a batch of its own
      });
    else ++messages_out_;
  });
}

}  // namespace tern

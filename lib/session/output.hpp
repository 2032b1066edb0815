#pragma once
// Appends actions to the caller's vector for one session call. Packet heads
// and log text go into buffers the session reuses; since those buffers may
// grow during the call, the views in the actions are filled in by `finish`.

#include <cstdarg>
#include <cstddef>
#include <string>
#include <vector>

#include "tern/session.hpp"

namespace tern::detail {

class output {
 public:
  /// Starts a call: forgets the previous call's bytes and text.
  void begin(std::vector<action>& out) noexcept;
  /// Points the views of this call's actions at the buffers.
  void finish() noexcept;
  /// Gives the buffers' memory back (between calls, for a quiet connection).
  void release() noexcept {
    // Not `= {}`: that assigns an empty list and keeps the capacity. Nor
    // `text_ = std::string()`: libstdc++ copies a short string into the
    // buffer it already has.
    std::vector<std::byte>().swap(bytes_);
    std::string().swap(text_);
    std::vector<fixup>().swap(fixups_);
  }

  /// Encodes `p` (which must be encodable) and emits `send_bytes`.
  void send(const packet_view& p);
  void send(const publish_view& p);
  template <class Event>
  void emit(Event&& e) {
    out_->emplace_back(std::forward<Event>(e));
  }
  /// Emits `u` with `topic` copied: the message it names may move before the
  /// caller reads the action.
  void emit_with_topic(store_update u, std::string_view topic);
  /// Bytes held by the buffers: what release() gives back.
  std::size_t capacity() const noexcept {
    return bytes_.capacity() + text_.capacity() + fixups_.capacity() * sizeof(fixup);
  }
  void set_log_mask(std::uint8_t mask) noexcept { log_mask_ = mask; }
  bool logs(log_level level) const noexcept { return log_mask_ & static_cast<std::uint8_t>(level); }
  void log(log_level level, const char* format, ...) __attribute__((format(printf, 3, 4)));

 private:
  struct fixup {
    std::size_t index;  // into *out_
    std::size_t offset;
    std::size_t size;
  };
  std::span<std::byte> reserve_head(std::size_t n);

  std::vector<action>* out_ = nullptr;
  std::vector<std::byte> bytes_;
  std::string text_;
  std::vector<fixup> fixups_;
  std::uint8_t log_mask_ = 0x0F;
};

}  // namespace tern::detail

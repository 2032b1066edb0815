#pragma once
// The WebSocket layer, for ws:// and wss://: the upgrade, then MQTT's bytes
// as binary frames [MQTT-6.0.0-1] over the stream below (TCP or TLS; in
// tests a socket pair), with the sans-I/O protocol of websocket/ doing the
// framing. Pings are answered and a close is returned as reads meet them.

#include <asio/buffer.hpp>
#include <asio/post.hpp>
#include <cstring>
#include <functional>
#include <random>
#include <span>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "tern/transport.hpp"
#include "transport/websocket/client_protocol.hpp"

namespace tern::transport {

/// `Lower`: `async_read_some(mutable_buffer, handler)`, `async_write(const
/// buffers, handler)` writing them all, and `get_executor()`.
/// **Thread safety:** use from one strand.
template <class Lower>
class websocket_layer {
 public:
  using open_handler = std::function<void(std::error_code)>;

  explicit websocket_layer(Lower& lower)
      : lower_(lower), ws_([this](std::span<std::byte> out) {
          for (auto& b : out) b = static_cast<std::byte>(mask_rng_());
        }) {}

  /// The upgrade to `host:port` + `path` (`secure`: wss), with the extra
  /// headers of `options`. On failure `detail` (which must outlive the
  /// operation) says why, with the HTTP status of a refusal.
  void async_open(const std::string& host, std::uint16_t port, bool secure, const std::string& path,
                  const websocket_options& options, std::string& detail, open_handler done) {
    headers_.clear();
    for (const auto& [name, value] : options.headers) headers_.push_back({name, value});
    websocket::upgrade_target target;
    target.host = host;
    target.port = port;
    target.secure = secure;
    target.path = path;
    target.extra_headers = headers_;
    frame_out_.clear();
    if (auto ec = ws_.start(target, frame_out_)) {
      detail = "WebSocket upgrade request: " + ec.message();
      return asio::post(lower_.get_executor(), [done = std::move(done), ec] { done(ec); });
    }
    lower_.async_write(asio::buffer(frame_out_),
                       [this, &detail, done = std::move(done)](std::error_code ec, std::size_t) mutable {
                         if (ec) {
                           detail = "WebSocket upgrade request not sent: " + ec.message();
                           return done(ec);
                         }
                         read_upgrade_response(detail, std::move(done));
                       });
  }

  /// Writes all of `data` as one masked binary frame. The buffers must stay
  /// valid until the handler runs.
  template <class Handler>
  void async_write(std::span<const asio::const_buffer> data, Handler&& h) {
    frame_out_.clear();
    frame_out_.swap(control_out_);  // pongs and closes queued by reads go first
    if (control_in_flight_) {  // one write at a time on the stream below: go after the control frames
      deferred_write_ = [this, data, h = std::forward<Handler>(h)]() mutable { async_write(data, std::move(h)); };
      return;
    }
    parts_.clear();
    std::size_t n = 0;
    for (const auto& b : data) {
      parts_.emplace_back(static_cast<const std::byte*>(b.data()), b.size());
      n += b.size();
    }
    auto ec = ws_.send(parts_, frame_out_);
    if (ec) return asio::post(lower_.get_executor(), [h = std::forward<Handler>(h), ec]() mutable { h(ec, 0); });
    writing_ = true;
    lower_.async_write(asio::buffer(frame_out_),
                       [this, n, h = std::forward<Handler>(h)](std::error_code ec2, std::size_t) mutable {
                         writing_ = false;
                         h(ec2, ec2 ? 0 : n);
                       });
  }

  /// Whether MQTT bytes of frames already read wait for the next read.
  bool input_pending() const noexcept { return !mqtt_in_.empty(); }

  /// Reads some bytes of the MQTT stream: the payload of data frames,
  /// whatever their boundaries [MQTT-6.0.0-2].
  template <class Handler>
  void async_read_some(asio::mutable_buffer buffer, Handler&& h) {
    if (!mqtt_in_.empty()) {
      auto n = take_mqtt(buffer);
      return asio::post(lower_.get_executor(), [h = std::forward<Handler>(h), n]() mutable { h(std::error_code{}, n); });
    }
    raw_in_.resize(16 * 1024);
    lower_.async_read_some(asio::buffer(raw_in_), [this, buffer, h = std::forward<Handler>(h)](std::error_code ec,
                                                                                               std::size_t n) mutable {
      if (ec) return h(ec, 0);
      auto wec = ws_.on_bytes(bytes_view(raw_in_.data(), n), mqtt_in_, control_out_);
      flush_control();
      if (wec) return h(wec, 0);
      if (mqtt_in_.empty()) return async_read_some(buffer, std::move(h));  // only control frames
      h(std::error_code{}, take_mqtt(buffer));
    });
  }

 private:
  void read_upgrade_response(std::string& detail, open_handler done) {
    raw_in_.resize(4096);
    lower_.async_read_some(asio::buffer(raw_in_), [this, &detail, done = std::move(done)](std::error_code ec,
                                                                                          std::size_t n) mutable {
      if (ec) {
        detail = "no WebSocket upgrade response: " + ec.message();
        return done(ec);
      }
      auto wec = ws_.on_bytes(bytes_view(raw_in_.data(), n), mqtt_in_, control_out_);
      if (wec) {
        detail = wec.message();
        if (int status = ws_.handshake().status(); status && status != 101)
          detail += " (HTTP " + std::to_string(status) + " " + std::string(ws_.handshake().reason()) + ")";
        return done(wec);
      }
      if (ws_.current_state() != websocket::client_protocol::state::open)
        return read_upgrade_response(detail, std::move(done));
      flush_control();
      done({});
    });
  }

  std::size_t take_mqtt(asio::mutable_buffer buffer) {
    auto n = std::min(buffer.size(), mqtt_in_.size());
    std::memcpy(buffer.data(), mqtt_in_.data(), n);
    mqtt_in_.erase(mqtt_in_.begin(), mqtt_in_.begin() + static_cast<std::ptrdiff_t>(n));
    return n;
  }

  // Writes pongs and close frames produced by reads when no data write is
  // under way; otherwise the next data write carries them.
  void flush_control() {
    if (control_out_.empty() || writing_ || control_in_flight_) return;
    control_writing_.clear();
    control_writing_.swap(control_out_);
    control_in_flight_ = true;
    lower_.async_write(asio::buffer(control_writing_), [this](std::error_code, std::size_t) {
      control_in_flight_ = false;
      if (deferred_write_) {
        auto w = std::move(deferred_write_);
        deferred_write_ = nullptr;
        return w();  // it also carries control frames queued meanwhile
      }
      flush_control();
    });
  }

  Lower& lower_;
  std::mt19937_64 mask_rng_{std::random_device{}() ^ (std::uint64_t{std::random_device{}()} << 32)};
  websocket::client_protocol ws_;
  std::vector<std::byte> raw_in_, mqtt_in_, frame_out_, control_out_, control_writing_;
  std::vector<websocket::http_header> headers_;
  std::vector<bytes_view> parts_;
  bool writing_ = false;
  bool control_in_flight_ = false;
  std::function<void()> deferred_write_;  // a data write waiting for a control write
};

}  // namespace tern::transport

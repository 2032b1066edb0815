#pragma once
// A TCP forwarder between a client and a private mosquitto that injects
// network faults on request: latency, a bandwidth cap, one byte per write, a
// blackhole (a half-open connection as the client sees it), a reset in the
// middle of a packet, and a peer that stops reading. It listens on a free
// 127.0.0.1 port and runs on its own thread and io_context.
//
// Every setting applies at once to the connections already open and to the
// ones accepted later, and stays until it is changed or `clear()` is called.
// The setters return once the proxy's thread has applied them.
//
// **Thread safety:** every member function may be called from any thread.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace tern::test {

/// Which way the bytes go: from the client to the broker, or back.
enum class direction : std::uint8_t { to_broker = 0, to_client = 1, both = 2 };

class fault_proxy {
 public:
  /// Starts listening and forwarding to 127.0.0.1:`broker_port`.
  /// `client_receive_buffer` (SO_RCVBUF of the sockets accepted from clients,
  /// 0: the kernel's default) bounds what the kernel takes from a client
  /// while the proxy does not read, so that the client's own socket fills.
  explicit fault_proxy(std::uint16_t broker_port, int client_receive_buffer = 0);
  /// Closes every connection and stops the thread; gives up waiting for it
  /// after two seconds (the io_context is then stopped), so it never hangs.
  ~fault_proxy();
  fault_proxy(const fault_proxy&) = delete;
  fault_proxy& operator=(const fault_proxy&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  /// "mqtt://127.0.0.1:<port>".
  std::string url() const;

  /// Each chunk read is written `delay` after it was read; order is kept.
  void set_latency(direction d, std::chrono::milliseconds delay);
  /// At most `bytes_per_second` forwarded (0: no cap), paced in slices of a
  /// fiftieth of a second.
  void set_bandwidth(direction d, std::size_t bytes_per_second);
  /// Every byte in a write of its own.
  void set_byte_by_byte(direction d, bool on);
  /// Nothing is read or written either way; connections stay open, and new
  /// ones are accepted and connected to the broker but forward nothing.
  /// What was read before is delivered once the blackhole ends.
  void set_blackhole(bool on);
  /// After `bytes` more bytes are forwarded (either way, over all
  /// connections), every open connection is closed on both sides with a
  /// TCP reset (SO_LINGER {1, 0}). A write is cut to the byte, so a packet
  /// that straddles the count is cut. Replaces a reset not yet done.
  void reset_after(std::size_t bytes);
  /// The proxy stops reading from the clients (what it holds still goes to
  /// the broker, and the broker's bytes still go back), so their send
  /// buffers fill; `false` resumes.
  void set_stop_reading(bool on);
  /// Every fault off, a pending reset included.
  void clear();

  /// Connections accepted from clients.
  std::uint64_t connections() const noexcept;
  /// Bytes forwarded (written to the other side) each way.
  std::uint64_t bytes(direction d) const noexcept;
  /// Resets done by `reset_after`.
  std::uint64_t resets() const noexcept;

  /// The proxy's state, on its thread (defined in fault_proxy.cpp).
  struct impl;

 private:
  std::unique_ptr<impl> impl_;
  std::uint16_t port_ = 0;
};

}  // namespace tern::test

#pragma once
// The executor and I/O object types of the I/O layers: a strand over an
// io_context, as concrete types. With asio::any_io_executor every completion
// type-erases a strand too big for its small-object buffer, which cost heap
// allocations per message (seen with heaptrack in tern-bench).

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>

namespace tern::transport {

using strand_type = asio::strand<asio::io_context::executor_type>;
using tcp_socket = asio::basic_stream_socket<asio::ip::tcp, strand_type>;
using tcp_resolver = asio::ip::basic_resolver<asio::ip::tcp, strand_type>;
using steady_timer = asio::basic_waitable_timer<std::chrono::steady_clock,
                                                asio::wait_traits<std::chrono::steady_clock>, strand_type>;

}  // namespace tern::transport

#pragma once
// One function per kind of streaming client: each opens client `i` and
// calls `opened` once its opening ended (open, refused or failed). The
// connection keeps itself alive through its pending operations.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>

#include "down_tally.hpp"
#include "readers.hpp"

namespace tern::web_bench {

using opened_fn = std::function<void()>;
using tcp_endpoint = boost::asio::ip::tcp::endpoint;

/// GET /mqtt/events?topic=FILTER: Server-Sent Events over HTTP/1.1, chunked or not.
void open_sse(boost::asio::io_context& ioc, const tcp_endpoint& server, const endpoint_spec& at, down_tally& tally,
              std::size_t i, opened_fn opened);
/// /mqtt/ws?topic=FILTER: the Beast binding's WebSocket, JSON events one per line.
void open_ws(boost::asio::io_context& ioc, const tcp_endpoint& server, const endpoint_spec& at, down_tally& tally,
             std::size_t i, opened_fn opened);
/// Socket.IO 5 over Engine.IO 4 on a WebSocket: the mqtt_message events of the Flask-SocketIO servers.
void open_sio(boost::asio::io_context& ioc, const tcp_endpoint& server, const endpoint_spec& at, down_tally& tally,
              std::size_t i, opened_fn opened);

}  // namespace tern::web_bench

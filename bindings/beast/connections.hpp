#pragma once
// The three kinds of connection of the Beast binding: plain HTTP requests
// (http_connection.cpp), which hand over to an event stream
// (event_stream_connection.cpp) or a WebSocket (websocket_connection.cpp).

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <memory>

#include "state.hpp"

namespace tern::beast_binding::detail {

namespace beast = boost::beast;

/// Writes the event stream's response head and pumps `stream` until it or
/// the client ends.
void serve_event_stream(std::shared_ptr<state> st, beast::tcp_stream socket, std::shared_ptr<web::event_stream> stream);

/// Accepts the WebSocket upgrade (already allowed by the bridge) whose
/// bytes, and any that followed them, are `received`, and runs `session` on it.
void serve_websocket(std::shared_ptr<state> st, beast::tcp_stream socket, std::string received,
                     std::shared_ptr<web::socket_session> session);

/// `r` as a Beast response to `req` (its version and keep-alive).
response beast_response(const web::http_response& r, const request& req);

}  // namespace tern::beast_binding::detail

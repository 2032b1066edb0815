#pragma once
// The Asio side of tern::client: the completion-token forms of publish,
// subscribe and unsubscribe (a callback, `asio::use_future` for a
// std::future, `asio::use_awaitable` for `co_await`) and the client's
// strand. Apart from <tern/client.hpp> so that a program that does not use
// them does not compile Asio's headers.

#include <asio/any_io_executor.hpp>
#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/dispatch.hpp>
#include <asio/post.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "tern/client_options.hpp"
#include "tern/error.hpp"

namespace tern {

namespace detail {
struct client_access {
  static asio::any_io_executor strand(const client& c);
};
}  // namespace detail

/// The client's strand: where its callbacks run, and where completion
/// handlers without an executor of their own run.
inline asio::any_io_executor executor(const client& c) { return detail::client_access::strand(c); }

/// Asio-style `c.publish(...)`: completes with `void(std::error_code,
/// message_id)` when the message is complete (QoS 0 written, QoS 1 PUBACK,
/// QoS 2 PUBCOMP) or has failed. Works with any completion token: a
/// callback, `asio::use_future` (include `<asio/use_future.hpp>`; a
/// `std::future<message_id>`), `asio::use_awaitable` (include
/// `<asio/use_awaitable.hpp>`; `co_await`). The payload is copied (or
/// moved) before the operation starts, so a lazily started awaitable never
/// reads it late. The handler runs on its associated executor (the client's
/// strand for a plain callback). Errors: those of `client::publish` and of
/// its completion.
template <class CompletionToken>
auto async_publish(client& c, std::string topic, payload_ref payload, qos q, bool retain, CompletionToken&& token) {
  // A payload no packet can carry is not copied: the operation fails instead.
  bool fits = payload.size() <= codec::max_remaining_length;
  return asio::async_initiate<CompletionToken, void(std::error_code, message_id)>(
      [&c, fits](auto handler, std::string t, byte_buffer p, qos qq, bool r) {
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        auto complete = [h, strand = executor(c)](std::error_code ec, message_id mid) {
          auto ex = asio::get_associated_executor(*h, strand);
          asio::dispatch(ex, [h, ec, mid]() mutable { std::move (*h)(ec, mid); });
        };
        auto mid = fits ? c.publish(std::move(t), std::move(p), qq, r, complete)
                        : result<message_id>(make_error_code(errc::payload_too_large));
        if (!mid) asio::post(executor(c), [complete, ec = mid.error()] { complete(ec, 0); });
      },
      token, std::move(topic), fits ? take_payload(payload) : byte_buffer{}, q, retain);
}

/// Asio-style `c.subscribe(filters)`: completes with `void(std::error_code,
/// std::vector<std::uint8_t> granted)` (one code per filter, 0x80 refused),
/// or with the error when the connection ended first.
template <class CompletionToken>
auto async_subscribe(client& c, std::vector<std::pair<std::string, qos>> filters, CompletionToken&& token) {
  return asio::async_initiate<CompletionToken, void(std::error_code, std::vector<std::uint8_t>)>(
      [&c](auto handler, std::vector<std::pair<std::string, qos>> f) {
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        auto complete = [h, strand = executor(c)](std::error_code ec, std::vector<std::uint8_t> granted) {
          auto ex = asio::get_associated_executor(*h, strand);
          asio::dispatch(ex, [h, ec, g = std::move(granted)]() mutable { std::move (*h)(ec, std::move(g)); });
        };
        auto mid = c.subscribe(std::move(f), complete);
        if (!mid) asio::post(executor(c), [complete, ec = mid.error()] { complete(ec, {}); });
      },
      token, std::move(filters));
}

/// Asio-style `c.unsubscribe(filters)`: completes with `void(std::error_code)`.
template <class CompletionToken>
auto async_unsubscribe(client& c, std::vector<std::string> filters, CompletionToken&& token) {
  return asio::async_initiate<CompletionToken, void(std::error_code)>(
      [&c](auto handler, std::vector<std::string> f) {
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        auto complete = [h, strand = executor(c)](std::error_code ec) {
          auto ex = asio::get_associated_executor(*h, strand);
          asio::dispatch(ex, [h, ec]() mutable { std::move (*h)(ec); });
        };
        auto mid = c.unsubscribe(std::move(f), complete);
        if (!mid) asio::post(executor(c), [complete, ec = mid.error()] { complete(ec); });
      },
      token, std::move(filters));
}

}  // namespace tern

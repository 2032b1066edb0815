#include "harness.hpp"

#include <atomic>
#include <cstdlib>

namespace tern::test {

std::vector<std::byte> owned_bytes(std::string_view s) {
  auto b = as_bytes(s);
  return {b.begin(), b.end()};
}

client_options make_options(const std::string& url, const std::string& client_id) {
  client_options o;
  o.brokers = {url};
  o.connect.client_id = client_id;
  o.connect.connect_timeout = 5s;
  o.transport_timeout = 5s;
  o.reconnect.min_delay = 100ms;
  o.reconnect.max_delay = 1s;
  if (std::getenv("TERN_TEST_DEBUG")) o.session.log_mask = 0x1F;  // every packet in the log
  return o;
}

test_client::test_client(client_options options) : c_(std::move(options)) {
  c_.on_connect([this](bool session_present, int rc) {
    if (rc != 0) return;  // a refusal: on_disconnect records it
    std::lock_guard l(m_);
    connects.push_back(session_present);
    ++connect_count;
    cv_.notify_all();
  });
  c_.on_disconnect([this](std::error_code ec) {
    std::lock_guard l(m_);
    disconnects.push_back(ec);
    cv_.notify_all();
  });
  c_.on_message([this](const message_received& m) {
    if (message_filter && !message_filter(m)) return;
    received r{std::string(m.topic), std::string(reinterpret_cast<const char*>(m.payload.data()), m.payload.size()),
               m.qos, m.retain, m.dup};
    std::lock_guard l(m_);
    messages.push_back(std::move(r));
    cv_.notify_all();
  });
  c_.on_publish([this](message_id mid) {
    std::lock_guard l(m_);
    published.insert(mid);
    cv_.notify_all();
  });
  c_.on_subscribe([this](message_id mid, std::span<const std::uint8_t> granted) {
    std::lock_guard l(m_);
    subacks[mid].assign(granted.begin(), granted.end());
    cv_.notify_all();
  });
  c_.on_log([this](log_level, std::string_view text) {
    std::lock_guard l(m_);
    log.emplace_back(text);
    cv_.notify_all();
  });
}

test_client::~test_client() { c_.stop(); }

bool test_client::wait_for(std::chrono::milliseconds timeout, const std::function<bool()>& pred) {
  std::unique_lock l(m_);
  return cv_.wait_for(l, timeout, pred);
}

std::string test_client::log_text() {
  std::lock_guard l(m_);
  std::string s;
  for (const auto& line : log) s += "  " + line + "\n";
  return s;
}

std::string to_string(const std::vector<std::error_code>& v) {
  std::string s;
  for (const auto& ec : v) s += (s.empty() ? "" : ", ") + ec.message();
  return "[" + s + "]";
}

testing::AssertionResult test_client::connect(std::chrono::milliseconds timeout) {
  std::size_t c0, d0;
  {
    std::lock_guard l(m_);
    c0 = connects.size();
    d0 = disconnects.size();
  }
  c_.start();
  c_.connect();
  bool done = wait_for(timeout, [&] { return connects.size() > c0 || disconnects.size() > d0; });
  std::lock_guard l(m_);
  if (connects.size() > c0) return testing::AssertionSuccess();
  auto f = testing::AssertionFailure();
  if (!done) f << "no CONNACK within " << timeout.count() << " ms";
  else f << "connection failed: " << disconnects.back().message();
  f << "; last_error: " << c_.last_error().message() << " (" << c_.last_error_detail() << ")\nlog:\n";
  for (const auto& line : log) f << "  " << line << "\n";
  return f;
}

testing::AssertionResult test_client::subscribe(const std::string& filter, qos q, std::chrono::milliseconds timeout) {
  auto mid = c_.subscribe(filter, q);
  if (!mid) return testing::AssertionFailure() << "subscribe(" << filter << "): " << mid.error().message();
  if (!wait_for(timeout, [&] { return subacks.count(*mid) != 0; }))
    return testing::AssertionFailure() << "no SUBACK for " << filter << " (mid " << *mid << ") within "
                                       << timeout.count() << " ms; log:\n" << log_text();
  std::lock_guard l(m_);
  const auto& g = subacks[*mid];
  if (g.size() != 1 || g[0] == suback_failure)
    return testing::AssertionFailure() << "subscription to " << filter << " refused";
  return testing::AssertionSuccess();
}

testing::AssertionResult test_client::publish(const std::string& topic, const std::string& payload, qos q,
                                              bool retain, std::chrono::milliseconds timeout) {
  auto mid = c_.publish(topic, payload, q, retain);
  if (!mid) return testing::AssertionFailure() << "publish(" << topic << "): " << mid.error().message();
  if (!wait_for(timeout, [&] { return published.count(*mid) != 0; }))
    return testing::AssertionFailure() << "publish to " << topic << " (QoS " << static_cast<int>(q)
                                       << ") not completed within " << timeout.count() << " ms";
  return testing::AssertionSuccess();
}

testing::AssertionResult test_client::wait_messages(std::size_t n, std::chrono::milliseconds timeout) {
  if (wait_for(timeout, [&] { return messages.size() >= n; })) return testing::AssertionSuccess();
  std::lock_guard l(m_);
  return testing::AssertionFailure() << "got " << messages.size() << " of " << n << " messages within "
                                     << timeout.count() << " ms";
}

testing::AssertionResult test_client::wait_disconnects(std::size_t n, std::chrono::milliseconds timeout) {
  if (wait_for(timeout, [&] { return disconnects.size() >= n; })) return testing::AssertionSuccess();
  std::lock_guard l(m_);
  return testing::AssertionFailure() << "got " << disconnects.size() << " of " << n << " on_disconnect calls within "
                                     << timeout.count() << " ms";
}

testing::AssertionResult test_client::disconnect(std::chrono::milliseconds timeout) {
  std::size_t d0;
  {
    std::lock_guard l(m_);
    d0 = disconnects.size();
  }
  c_.disconnect();
  return wait_disconnects(d0 + 1, timeout);
}

}  // namespace tern::test

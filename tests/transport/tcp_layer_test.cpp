// The TCP layer: connects (TCP_NODELAY when asked), and says why it cannot.

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>

#include <asio/io_context.hpp>
#include <asio/strand.hpp>
#include <optional>

#include "transport/tcp_layer.hpp"

namespace tern::test::tcp_layer_test {
namespace {

struct fixture {
  asio::io_context io;
  transport::strand_type strand{asio::make_strand(io)};
  transport::tcp_layer tcp{strand};
  std::string detail;
  std::optional<std::error_code> result;

  void open(const std::string& host, std::uint16_t port, bool nodelay) {
    tcp.async_open(host, port, nodelay, host + ":" + std::to_string(port), detail,
                   [this](std::error_code ec) { result = ec; });
    while (!result && io.run_one_for(std::chrono::seconds(10))) {
    }
    ASSERT_TRUE(result) << "no result";
  }
};

TEST(TcpLayer, ConnectsWithNoDelayWhenAsked) {
  for (bool nodelay : {true, false}) {
    fixture f;
    asio::ip::tcp::acceptor acceptor(f.io, {asio::ip::make_address("127.0.0.1"), 0});
    f.open("127.0.0.1", acceptor.local_endpoint().port(), nodelay);
    EXPECT_FALSE(*f.result) << f.detail;
    asio::ip::tcp::no_delay option;
    f.tcp.socket().get_option(option);
    EXPECT_EQ(option.value(), nodelay);
  }
}

TEST(TcpLayer, ARefusedConnectionNamesThePeer) {
  fixture f;
  std::uint16_t port;
  {
    asio::ip::tcp::acceptor probe(f.io, {asio::ip::make_address("127.0.0.1"), 0});
    port = probe.local_endpoint().port();
  }  // closed: nothing listens there now
  f.open("127.0.0.1", port, true);
  EXPECT_EQ(*f.result, asio::error::connection_refused);
  EXPECT_EQ(f.detail.rfind("cannot connect to 127.0.0.1:" + std::to_string(port) + ": ", 0), 0u) << f.detail;
}

TEST(TcpLayer, OutOfDescriptorsSaysSoNotOperationAborted) {
  fixture f;
  asio::ip::tcp::acceptor acceptor(f.io, {asio::ip::make_address("127.0.0.1"), 0});
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  // The lowest free descriptor, which the socket would get, is over the limit.
  int lowest_free = ::dup(0);
  ASSERT_GE(lowest_free, 0);
  ::close(lowest_free);
  rlimit tight = saved;
  tight.rlim_cur = static_cast<rlim_t>(lowest_free);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &tight), 0);
  f.open("127.0.0.1", acceptor.local_endpoint().port(), true);
  setrlimit(RLIMIT_NOFILE, &saved);
  EXPECT_EQ(*f.result, asio::error::no_descriptors) << f.result->message();  // EMFILE
  EXPECT_NE(f.detail.find("Too many open files"), std::string::npos) << f.detail;
}

TEST(TcpLayer, AnUnknownHostSaysItCannotBeResolved) {
  fixture f;
  f.open("no-such-host.invalid", 1883, true);  // RFC 6761: .invalid never resolves
  EXPECT_TRUE(*f.result);
  EXPECT_EQ(f.detail.rfind("cannot resolve no-such-host.invalid:1883: ", 0), 0u) << f.detail;
}

}  // namespace
}  // namespace tern::test::tcp_layer_test

#pragma once
// A GoogleTest fixture base for suites that share one private broker.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>

#include "broker.hpp"

namespace tern::test {

/// One mosquitto for all the tests of a suite: `Derived::SetUpTestSuite`
/// calls `start_broker`; every test then fails at once, with the reason, if
/// the broker could not start. `Derived` gives each suite its own statics.
template <class Derived>
class broker_suite : public testing::Test {
 protected:
  static void start_broker(broker_config cfg) {
    broker_ = std::make_unique<broker>(std::move(cfg));
    if (auto started = broker_->start(); !started) {
      start_error_ = started.message();
      broker_.reset();
    }
  }
  static void TearDownTestSuite() { broker_.reset(); }
  void SetUp() override { ASSERT_TRUE(broker_) << start_error_; }

  static inline std::unique_ptr<broker> broker_;
  static inline std::string start_error_;
};

}  // namespace tern::test

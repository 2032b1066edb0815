#pragma once
// A GoogleTest fixture base for suites that share one private broker.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>

#include "broker.hpp"
#include "pki.hpp"

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

/// A broker_suite with certificates made for it (`pki_`), and listeners
/// that `Derived::listeners(const pki&)` chooses.
template <class Derived>
class pki_broker_suite : public broker_suite<Derived> {
 protected:
  static void SetUpTestSuite() {
    pki_ = std::make_unique<pki>();
    if (auto r = pki_->generate(); !r) {
      broker_suite<Derived>::start_error_ = r.message();
      return;
    }
    broker_config cfg;
    cfg.listeners = Derived::listeners(*pki_);
    broker_suite<Derived>::start_broker(std::move(cfg));
  }
  static void TearDownTestSuite() {
    broker_suite<Derived>::TearDownTestSuite();
    pki_.reset();
  }

  static inline std::unique_ptr<pki> pki_;
};

}  // namespace tern::test

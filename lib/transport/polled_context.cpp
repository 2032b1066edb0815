#include "transport/polled_context.hpp"

#include <poll.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <asio/detail/reactor.hpp>
#include <cerrno>
#include <system_error>

#if !defined(ASIO_HAS_EPOLL) || defined(ASIO_HAS_IO_URING_AS_DEFAULT)
#error "tern::transport::polled_context needs Asio's epoll reactor (Linux)"
#endif

namespace tern::transport {
namespace {

// Asio keeps its reactor's epoll descriptor private and has no way to
// watch it from another loop. An explicit instantiation may name a private
// member ([temp.spec.general]): `expose` hands out a pointer to it. Should
// Asio rename the member, this stops compiling rather than misbehaving.
struct epoll_fd_tag {
  using type = int asio::detail::epoll_reactor::*;
  friend type member(epoll_fd_tag);
};
template <class Tag, typename Tag::type M>
struct expose {
  friend typename Tag::type member(Tag) { return M; }
};
template struct expose<epoll_fd_tag, &asio::detail::epoll_reactor::epoll_fd_>;

[[noreturn]] void fail(const char* what) { throw std::system_error(errno, std::system_category(), what); }

void add_reader(int epoll_fd, int fd) {
  epoll_event ev{};
  ev.events = EPOLLIN;  // level-triggered: readable for as long as `fd` is
  ev.data.fd = fd;
  if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) fail("tern: epoll_ctl");
}

}  // namespace

polled_context::polled_context() {
  work_.emplace(ctx_.get_executor());
  reactor_ = &asio::use_service<asio::detail::epoll_reactor>(ctx_);
  reactor_->init_task();  // the scheduler polls the reactor from now on
  // Our own epoll over Asio's, not Asio's itself: `watch` must not add to
  // the set Asio reads its events from.
  fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (fd_ < 0) fail("tern: epoll_create1");
  try {
    add_reader(fd_, reactor_->*member(epoll_fd_tag{}));
  } catch (...) {
    ::close(fd_);
    throw;
  }
}

polled_context::~polled_context() {
  {
    std::lock_guard lock(stand_in_m_);
    stopping_ = true;
  }
  stand_in_cv_.notify_all();
  if (stand_in_.joinable()) stand_in_.join();
  work_.reset();
  ::close(fd_);
}

void polled_context::start_stand_in(std::chrono::milliseconds period) {
  if (!stand_in_.joinable()) stand_in_ = std::thread([this, period] { stand_in(period); });
}

void polled_context::stand_in(std::chrono::milliseconds period) {
  std::uint64_t seen = runs_.load();
  std::unique_lock lock(stand_in_m_);
  while (!stand_in_cv_.wait_for(lock, period, [this] { return stopping_; })) {
    std::uint64_t now = runs_.load();
    pollfd p{fd_, POLLIN, 0};
    if (now == seen && ::poll(&p, 1, 0) == 1) {
      lock.unlock();
      ctx_.poll();
      lock.lock();
    }
    seen = runs_.load();
  }
}

void polled_context::watch(int other) { add_reader(fd_, other); }


std::size_t polled_context::run_one_for(std::chrono::milliseconds timeout) { return ctx_.run_one_for(timeout); }

// The reactor's interrupter is an eventfd kept readable and registered
// edge-triggered; interrupt() re-arms it, so Asio's epoll reports it once
// more and our descriptor becomes readable until the next run_ready.
void polled_context::wake() noexcept { reactor_->interrupt(); }

}  // namespace tern::transport

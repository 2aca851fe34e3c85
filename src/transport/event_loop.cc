#include "transport/event_loop.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <algorithm>

#include "transport/tcp_connection.h"
#include "transport/uring_writer.h"

namespace sb::transport {

// Adapts the loop's own eventfd/timerfd to IoHandler.
struct EventLoop::FdHandler final : IoHandler {
  std::function<void()> fn;
  explicit FdHandler(std::function<void()> f) : fn(std::move(f)) {}
  void on_io(uint32_t) override { fn(); }
};

EventLoop::EventLoop(uint32_t sweep_interval_ms)
    : receive_buffer_(new uint8_t[kReceiveBufferSize + kReceivePadding]) {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  timer_fd_ = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (epoll_fd_ < 0 || wake_fd_ < 0 || timer_fd_ < 0) {
    std::perror("switchboard: event loop setup");
    std::abort();  // Nothing can run without these; this is start-up, not the data path.
  }
  wake_handler_ = std::make_unique<FdHandler>([this] { drain_wakeups(); });
  timer_handler_ = std::make_unique<FdHandler>([this] {
    uint64_t expirations;
    while (::read(timer_fd_, &expirations, sizeof expirations) > 0) {
    }
    run_sweep();
  });
  add(wake_fd_, EPOLLIN, wake_handler_.get());
  add(timer_fd_, EPOLLIN, timer_handler_.get());
  itimerspec spec{};
  spec.it_interval.tv_sec = sweep_interval_ms / 1000;
  spec.it_interval.tv_nsec = static_cast<long>(sweep_interval_ms % 1000) * 1000000L;
  spec.it_value = spec.it_interval;
  ::timerfd_settime(timer_fd_, 0, &spec, nullptr);
  refresh_clock();
}

EventLoop::~EventLoop() {
  for (TcpConnection* c : graveyard_) delete c;
  for (TcpConnection* c : connections_) delete c;
  ::close(epoll_fd_);
  ::close(wake_fd_);
  ::close(timer_fd_);
}

bool EventLoop::add(int fd, uint32_t events, IoHandler* handler) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = handler;
  return ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) == 0;
}

bool EventLoop::modify(int fd, uint32_t events, IoHandler* handler) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = handler;
  return ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev) == 0;
}

bool EventLoop::use_uring_writes(unsigned entries, std::string& error) {
  uring_writer_ = UringWriter::create(entries, error);
  return uring_writer_ != nullptr;
}

void EventLoop::remove(int fd) { ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr); }

void EventLoop::refresh_clock() {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  now_ms_ = static_cast<uint64_t>(ts.tv_sec) * 1000 + static_cast<uint64_t>(ts.tv_nsec) / 1000000;
  ::clock_gettime(CLOCK_REALTIME, &ts);
  wall_ms_ = static_cast<uint64_t>(ts.tv_sec) * 1000 + static_cast<uint64_t>(ts.tv_nsec) / 1000000;
}

uint64_t EventLoop::monotonic_us() {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000 + static_cast<uint64_t>(ts.tv_nsec) / 1000;
}

void EventLoop::run() {
  constexpr int kMaxEvents = 256;
  epoll_event events[kMaxEvents];
  while (!stopping_.load(std::memory_order_acquire)) {
    run_due_timers();
    run_before_sleep();
    int n = ::epoll_wait(epoll_fd_, events, kMaxEvents, next_timeout_ms());
    if (n < 0) {
      if (errno == EINTR) continue;
      std::perror("switchboard: epoll_wait");
      break;
    }
    refresh_clock();
    for (int i = 0; i < n; ++i) {
      static_cast<IoHandler*>(events[i].data.ptr)->on_io(events[i].events);
    }
  }
  run_before_sleep();
}

void EventLoop::run_before_sleep() {
  ++turn_;
  // Hooks may publish (filling send buffers), so they run before the flush.
  for (auto& hook : before_sleep_hooks_) hook();
  // Flushing can close a connection (write error); closed ones stay allocated until below.
  // A close can make others send: they join the list being flushed.
  if (uring_writer_ != nullptr) {
    while (!dirty_.empty()) uring_writer_->flush(dirty_);
  } else {
    for (size_t i = 0; i < dirty_.size(); ++i) dirty_[i]->flush();
    dirty_.clear();
  }
  for (auto& hook : after_flush_hooks_) hook();
  if (!deferred_.empty()) {
    auto actions = std::move(deferred_);
    deferred_.clear();
    for (auto& fn : actions) fn();
  }
  for (TcpConnection* c : graveyard_) delete c;
  graveyard_.clear();
}

void EventLoop::call_later(uint32_t delay_ms, std::function<void()> fn) {
  timers_.push_back(Timer{now_ms_ + delay_ms, ++timer_sequence_, std::move(fn)});
  std::push_heap(timers_.begin(), timers_.end(), std::greater<>());
}

int EventLoop::next_timeout_ms() const {
  if (timers_.empty()) return -1;
  uint64_t deadline = timers_.front().deadline_ms;
  return deadline <= now_ms_ ? 0 : static_cast<int>(deadline - now_ms_);
}

void EventLoop::run_due_timers() {
  if (timers_.empty()) return;
  refresh_clock();
  while (!timers_.empty() && timers_.front().deadline_ms <= now_ms_) {
    std::pop_heap(timers_.begin(), timers_.end(), std::greater<>());
    Timer timer = std::move(timers_.back());
    timers_.pop_back();
    timer.fn();  // may add timers
  }
}

void EventLoop::stop() {
  stopping_.store(true, std::memory_order_release);
  wake();
}

void EventLoop::post(std::function<void()> fn) {
  {
    std::lock_guard lock(posted_mutex_);
    posted_.push_back(std::move(fn));
  }
  wake();
}

void EventLoop::wake() {
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
}

void EventLoop::drain_wakeups() {
  uint64_t count;
  while (::read(wake_fd_, &count, sizeof count) > 0) {
  }
  std::vector<std::function<void()>> tasks;
  {
    std::lock_guard lock(posted_mutex_);
    tasks.swap(posted_);
  }
  for (auto& task : tasks) task();
  for (auto& hook : wake_hooks_) hook();
}

void EventLoop::run_sweep() {
  refresh_clock();
  for (auto& hook : sweep_hooks_) hook();
}

}  // namespace sb::transport

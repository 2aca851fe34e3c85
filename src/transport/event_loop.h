#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "transport/io_handler.h"

namespace sb::transport {

class TcpConnection;
class UringWriter;

// One epoll loop, owned and run by one worker thread. Everything but post(), wake() and
// stop() must be called on that thread.
//
// A loop turn: epoll_wait -> dispatch readiness -> run before-sleep hooks (pub/sub drains,
// corked writes are flushed, closed connections are freed) -> sleep again. Timeouts use one
// sweep timer rather than a timer per socket.
class EventLoop {
 public:
  // Size of the shared receive buffer; every read lands here, frames are unmasked in place.
  static constexpr size_t kReceiveBufferSize = 512 * 1024;
  static constexpr size_t kReceivePadding = 64;

  explicit EventLoop(uint32_t sweep_interval_ms = 1000);
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Registers fd for events; returns false if epoll refused it.
  bool add(int fd, uint32_t events, IoHandler* handler);
  bool modify(int fd, uint32_t events, IoHandler* handler);
  void remove(int fd);

  // Sends each turn's output through io_uring, one submission for every dirty connection,
  // instead of one send() each. False with `error` set when the kernel refuses a ring: the
  // loop goes on with send(). Call before run().
  bool use_uring_writes(unsigned entries, std::string& error);
  // The writer in use, null on the send() path (its counters show the batching).
  const UringWriter* uring_writer() const { return uring_writer_.get(); }

  // Runs turns until stop() is called. Returns when the loop has stopped.
  void run();
  // Thread-safe: ends run() after the current turn.
  void stop();
  // Thread-safe: runs fn on the loop thread during its next turn.
  void post(std::function<void()> fn);
  // Thread-safe: makes the loop leave epoll_wait and run its wake hooks.
  void wake();

  // Hooks run on the loop thread. Registration happens before run().
  void on_wake(std::function<void()> fn) { wake_hooks_.push_back(std::move(fn)); }
  void on_before_sleep(std::function<void()> fn) { before_sleep_hooks_.push_back(std::move(fn)); }
  void on_sweep(std::function<void()> fn) { sweep_hooks_.push_back(std::move(fn)); }

  // Runs fn on the loop thread after delay_ms (at the earliest). Timers are few and short
  // lived (typing expiry, cursor throttling); socket timeouts use the sweep instead. There
  // is no cancel: a callback that may outlive its owner checks a weak reference.
  void call_later(uint32_t delay_ms, std::function<void()> fn);

  // Turns run so far (wraps): tells whether something happened in consecutive turns.
  uint32_t turn() const { return turn_; }
  // Milliseconds of CLOCK_MONOTONIC, refreshed once per turn.
  uint64_t now_ms() const { return now_ms_; }
  // Wall clock in milliseconds since the epoch, refreshed once per turn.
  uint64_t wall_ms() const { return wall_ms_; }

  // The loop's receive buffer (kReceiveBufferSize bytes, kReceivePadding readable beyond).
  uint8_t* receive_buffer() { return receive_buffer_.get(); }

  // Connections with buffered output are flushed once each before the loop sleeps.
  void mark_dirty(TcpConnection* connection) { dirty_.push_back(connection); }
  // Connections are freed after the turn, so callbacks up the stack never see freed memory.
  void defer_delete(TcpConnection* connection) { graveyard_.push_back(connection); }
  // A generic deferred action run at the end of the turn (after flushing).
  void defer(std::function<void()> fn) { deferred_.push_back(std::move(fn)); }

  // Traffic counters, read by metrics from any thread.
  void count_bytes_in(uint64_t n) { bytes_in_.fetch_add(n, std::memory_order_relaxed); }
  void count_bytes_out(uint64_t n) { bytes_out_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t bytes_in() const { return bytes_in_.load(std::memory_order_relaxed); }
  uint64_t bytes_out() const { return bytes_out_.load(std::memory_order_relaxed); }
  // Monotonic microseconds, read now (not cached): for latency measurements.
  static uint64_t monotonic_us();

  // Hooks run after the turn's writes (latency is measured there).
  void on_after_flush(std::function<void()> fn) { after_flush_hooks_.push_back(std::move(fn)); }

  // Called when a TcpConnection of this loop is freed (per-IP accounting lives above).
  void set_release_hook(std::function<void(TcpConnection&)> fn) { release_hook_ = std::move(fn); }
  void connection_released(TcpConnection& c) {
    if (release_hook_) release_hook_(c);
  }

  // Live TCP connections on this loop (maintained by TcpConnection).
  std::vector<TcpConnection*>& connections() { return connections_; }

 private:
  void refresh_clock();
  void run_before_sleep();
  void drain_wakeups();
  void run_sweep();
  void run_due_timers();
  int next_timeout_ms() const;

  struct Timer {
    uint64_t deadline_ms;
    uint64_t sequence;
    std::function<void()> fn;
    bool operator>(const Timer& other) const {
      return deadline_ms != other.deadline_ms ? deadline_ms > other.deadline_ms : sequence > other.sequence;
    }
  };
  std::vector<Timer> timers_;  // min-heap on deadline
  uint64_t timer_sequence_ = 0;

  struct FdHandler;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  int timer_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> bytes_in_{0};
  std::atomic<uint64_t> bytes_out_{0};
  uint64_t now_ms_ = 0;
  uint32_t turn_ = 0;
  uint64_t wall_ms_ = 0;
  std::unique_ptr<uint8_t[]> receive_buffer_;
  std::unique_ptr<FdHandler> wake_handler_;
  std::unique_ptr<FdHandler> timer_handler_;
  std::unique_ptr<UringWriter> uring_writer_;

  std::mutex posted_mutex_;
  std::vector<std::function<void()>> posted_;
  std::vector<std::function<void()>> wake_hooks_;
  std::vector<std::function<void()>> before_sleep_hooks_;
  std::vector<std::function<void()>> sweep_hooks_;
  std::vector<std::function<void()>> after_flush_hooks_;
  std::function<void(TcpConnection&)> release_hook_;
  std::vector<std::function<void()>> deferred_;
  std::vector<TcpConnection*> dirty_;
  std::vector<TcpConnection*> graveyard_;
  std::vector<TcpConnection*> connections_;
};

}  // namespace sb::transport

#include "transport/event_loop.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <atomic>
#include <mutex>
#include <thread>

#include "transport/tcp_connection.h"
#include "transport/work_pool.h"

namespace sb::transport {

namespace {
struct Collector : ConnectionHandler {
  std::string received;
  bool closed = false;
  void on_data(uint8_t* data, size_t length) override { received.append(reinterpret_cast<char*>(data), length); }
  void on_closed() override { closed = true; }
};

sockaddr_storage unix_peer() {
  sockaddr_storage s{};
  s.ss_family = AF_UNIX;
  return s;
}

std::string read_some(int fd) {
  char buf[65536];
  ssize_t n = ::read(fd, buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}
}  // namespace

TEST(EventLoop, PostedTasksRunOnTheLoopAndStopEndsRun) {
  EventLoop loop;
  int ran = 0;
  std::thread runner([&] { loop.run(); });
  loop.post([&] { ++ran; });
  loop.post([&] { loop.stop(); });
  runner.join();
  EXPECT_EQ(ran, 1);
}

TEST(EventLoop, TimersRunInDeadlineOrderAfterTheirDelay) {
  EventLoop loop;
  std::vector<int> order;
  uint64_t start = EventLoop::monotonic_us();
  loop.call_later(60, [&] { order.push_back(2); });
  loop.call_later(20, [&] {
    order.push_back(1);
    loop.call_later(10, [&] { order.push_back(3); });  // timers may add timers
  });
  loop.call_later(120, [&] { loop.stop(); });
  loop.run();
  EXPECT_EQ(order, (std::vector<int>{1, 3, 2}));
  EXPECT_GE(EventLoop::monotonic_us() - start, 110000u);
}

TEST(TcpConnection, HoldsSendsUntilTheLoopFlushesThemAndReads) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
  EventLoop loop;
  auto* c = new TcpConnection(loop, fds[0], unix_peer(), 1 << 20);
  ASSERT_TRUE(c->start());
  Collector collector;
  c->set_handler(&collector);
  for (int i = 0; i < 100; ++i) c->send("ab", 2);
  EXPECT_EQ(c->buffered_bytes(), 200u);
  ASSERT_EQ(::write(fds[1], "hello", 5), 5);
  EventLoop* lp = &loop;
  std::thread stopper([lp] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    lp->stop();
  });
  loop.run();  // each turn flushes dirty connections before sleeping
  stopper.join();
  EXPECT_EQ(read_some(fds[1]).size(), 200u);
  EXPECT_EQ(loop.bytes_out(), 200u);
  EXPECT_EQ(collector.received, "hello");
  c->close();
  EXPECT_TRUE(collector.closed);
  ::close(fds[1]);
}

TEST(TcpConnection, SlowConsumerIsDroppedAtTheEndOfTheTurn) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
  EventLoop loop;
  auto* c = new TcpConnection(loop, fds[0], unix_peer(), 1000);
  ASSERT_TRUE(c->start());
  Collector collector;
  c->set_handler(&collector);
  std::string chunk(600, 'x');
  EXPECT_EQ(c->send(chunk.data(), chunk.size()), SendStatus::kBuffered);
  EXPECT_EQ(c->send(chunk.data(), chunk.size()), SendStatus::kDropped);
  EXPECT_FALSE(collector.closed);  // never inside the caller's loop
  loop.post([&] { loop.stop(); });
  loop.run();
  EXPECT_TRUE(collector.closed);
  ::close(fds[1]);
}

TEST(WorkPool, TrySubmitRefusesPastItsBound) {
  std::mutex gate;
  std::unique_lock hold(gate);
  std::atomic<int> ran{0};
  {
    WorkPool pool(1);
    // The single thread blocks on the first task; two more may wait, the fourth is refused.
    ASSERT_TRUE(pool.try_submit([&] { std::lock_guard g(gate); ++ran; }, 2));
    while (true) {  // until the thread has taken the first task off the queue
      if (pool.try_submit([&] { ++ran; }, 1)) break;
      std::this_thread::yield();
    }
    EXPECT_TRUE(pool.try_submit([&] { ++ran; }, 2));
    EXPECT_FALSE(pool.try_submit([&] { ++ran; }, 2));
    hold.unlock();
  }
  EXPECT_EQ(ran.load(), 3);
}

}  // namespace sb::transport

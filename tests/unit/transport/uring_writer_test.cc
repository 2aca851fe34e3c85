#include "transport/uring_writer.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "transport/event_loop.h"
#include "transport/tcp_connection.h"

namespace sb::transport {

namespace {
struct Collector : ConnectionHandler {
  bool closed = false;
  std::function<void()> on_close;
  void on_data(uint8_t*, size_t) override {}
  void on_closed() override {
    closed = true;
    if (on_close) on_close();
  }
};

sockaddr_storage unix_peer() {
  sockaddr_storage s{};
  s.ss_family = AF_UNIX;
  return s;
}

// A socket pair whose first end is a TcpConnection on `loop`; the second is the test's.
struct Pair {
  TcpConnection* connection = nullptr;
  int peer = -1;
  Collector handler;
  ~Pair() {
    if (peer >= 0) ::close(peer);
  }
};

void open_pair(EventLoop& loop, Pair& pair) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
  pair.connection = new TcpConnection(loop, fds[0], unix_peer(), 64 << 20);
  ASSERT_TRUE(pair.connection->start());
  pair.connection->set_handler(&pair.handler);
  pair.peer = fds[1];
}

std::string drain(int fd) {
  std::string all;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) return all;
    all.append(buf, static_cast<size_t>(n));
  }
}

// One loop turn: the dirty connections are written before the loop sleeps.
void run_one_turn(EventLoop& loop) {
  loop.post([&loop] { loop.stop(); });
  loop.run();
}

// The loop with io_uring writes, or the test is skipped where the kernel refuses rings.
#define REQUIRE_URING(loop)                                                   \
  do {                                                                        \
    std::string error;                                                        \
    if (!(loop).use_uring_writes(64, error)) GTEST_SKIP() << error;           \
  } while (0)
}  // namespace

TEST(UringWriter, WritesEveryDirtyConnectionInOneSubmission) {
  EventLoop loop;
  REQUIRE_URING(loop);
  Pair pairs[3];
  for (auto& p : pairs) open_pair(loop, p);
  for (int i = 0; i < 3; ++i) {
    std::string text = "to " + std::to_string(i);
    pairs[i].connection->send(text.data(), text.size());
    pairs[i].connection->send("!", 1);
  }
  run_one_turn(loop);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(drain(pairs[i].peer), "to " + std::to_string(i) + "!");
  EXPECT_EQ(loop.uring_writer()->submissions(), 1u);
  EXPECT_EQ(loop.uring_writer()->sends(), 3u);
  EXPECT_EQ(loop.bytes_out(), 15u);
  for (auto& p : pairs) p.connection->close();
}

TEST(UringWriter, WritesFromALoopThreadOtherThanTheOneThatBuiltIt) {
  // The server builds each loop on the main thread and runs it on its worker's.
  EventLoop loop;
  REQUIRE_URING(loop);
  Pair pair;
  open_pair(loop, pair);
  std::thread runner([&] {
    pair.connection->send("across", 6);
    run_one_turn(loop);
  });
  runner.join();
  EXPECT_EQ(drain(pair.peer), "across");
  pair.connection->close();
}

TEST(UringWriter, ChunksATurnLargerThanTheRing) {
  EventLoop loop;
  REQUIRE_URING(loop);  // 64 sends per submission
  std::vector<Pair> pairs(150);
  for (auto& p : pairs) open_pair(loop, p);
  for (auto& p : pairs) p.connection->send("x", 1);
  run_one_turn(loop);
  for (auto& p : pairs) EXPECT_EQ(drain(p.peer), "x");
  EXPECT_EQ(loop.uring_writer()->submissions(), 3u);
  EXPECT_EQ(loop.uring_writer()->sends(), 150u);
  for (auto& p : pairs) p.connection->close();
}

TEST(UringWriter, WhatAFullSocketRefusesGoesOutWhenItDrains) {
  EventLoop loop;
  REQUIRE_URING(loop);
  Pair pair;
  open_pair(loop, pair);
  std::string sent;
  for (int i = 0; sent.size() < (4u << 20); ++i) sent += std::to_string(i) + ",";
  pair.connection->send(sent.data(), sent.size());
  // After the first turn's writes the reader starts draining the peer, and the loop writes
  // the rest on EPOLLOUT.
  std::atomic<size_t> left_after_first_turn{0};
  std::atomic<bool> first_turn_done{false};
  loop.on_after_flush([&] {
    if (first_turn_done.load()) return;
    left_after_first_turn = pair.connection->buffered_bytes();
    first_turn_done = true;
  });
  std::string received;
  std::thread reader([&] {
    while (!first_turn_done.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    char buf[65536];
    while (received.size() < sent.size()) {
      ssize_t n = ::read(pair.peer, buf, sizeof buf);
      if (n > 0) received.append(buf, static_cast<size_t>(n));
      else std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    loop.post([&loop] { loop.stop(); });
  });
  loop.run();
  reader.join();
  EXPECT_GT(left_after_first_turn.load(), 0u) << "the socket took 4 MB at once";
  EXPECT_TRUE(received == sent) << "bytes lost, repeated or reordered";
  EXPECT_EQ(pair.connection->buffered_bytes(), 0u);
  pair.connection->close();
}

TEST(UringWriter, AWriteErrorClosesTheConnection) {
  EventLoop loop;
  REQUIRE_URING(loop);
  Pair pair;
  open_pair(loop, pair);
  ::close(pair.peer);
  pair.peer = -1;
  pair.connection->send("lost", 4);
  run_one_turn(loop);
  EXPECT_TRUE(pair.handler.closed);
}

TEST(UringWriter, BytesSentByAClosingConnectionsCallbackGoOutTheSameTurn) {
  EventLoop loop;
  REQUIRE_URING(loop);
  Pair leaving, staying;
  open_pair(loop, leaving);
  open_pair(loop, staying);
  // The leaving connection's close tells the staying one (as a presence leave would), after
  // the staying one's own send of this turn has completed.
  leaving.handler.on_close = [&] { staying.connection->send("left", 4); };
  ::close(leaving.peer);
  leaving.peer = -1;
  leaving.connection->send("bye", 3);
  staying.connection->send("hello,", 6);
  run_one_turn(loop);
  EXPECT_TRUE(leaving.handler.closed);
  EXPECT_EQ(drain(staying.peer), "hello,left");
  EXPECT_EQ(loop.uring_writer()->sends(), 3u);  // two in the first round, one in the second
  staying.connection->close();
}

TEST(UringWriter, AConnectionListedTwiceSendsItsBytesOnce) {
  EventLoop loop;
  REQUIRE_URING(loop);
  Pair pair;
  open_pair(loop, pair);
  pair.connection->send("one,", 4);
  pair.connection->flush();  // written directly: off the dirty list, though still in it
  pair.connection->send("two", 3);  // listed again
  run_one_turn(loop);
  EXPECT_EQ(drain(pair.peer), "one,two");
  pair.connection->close();
}

}  // namespace sb::transport

#include "dialects/socketio/engine_socket.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace sb::dialects::socketio {
namespace {

// Records what the socket hands up.
struct Listener final : EngineListener {
  std::vector<std::string> messages;
  std::vector<std::string> binaries;
  std::vector<std::string> invalid;
  int closed = 0;
  void on_engine_message(std::string_view data) override { messages.emplace_back(data); }
  void on_engine_binary(std::string_view bytes) override { binaries.emplace_back(bytes); }
  void on_engine_invalid(std::string_view why) override { invalid.emplace_back(why); }
  void on_engine_closed() override { ++closed; }
};

// One HTTP request's answer channel, as the server gives it.
struct Request {
  std::optional<protocol::http::HttpResponse> response;
  bool connected = true;
  HttpReply reply() {
    return HttpReply{[this](protocol::http::HttpResponse r) { response = std::move(r); },
                     [this] { return connected; }};
  }
};

class EngineSocketTest : public ::testing::Test {
 protected:
  EngineSocketTest() {
    settings.ping_interval_ms = 1000;
    settings.ping_timeout_ms = 500;
    settings.max_payload = 100;
  }
  transport::EventLoop loop;
  config::SocketIoConfig settings;
  Listener listener;
  EngineSocket socket{loop, settings, "0.sid", EngineSocket::Transport::kPolling, listener};
};

TEST_F(EngineSocketTest, OpenPacketOffersTheUpgrade) {
  EXPECT_EQ(socket.open_packet(),
            R"(0{"sid":"0.sid","upgrades":["websocket"],"pingInterval":1000,"pingTimeout":500,"maxPayload":100})");
}

TEST_F(EngineSocketTest, APollIsHeldUntilThereIsSomethingToSend) {
  Request poll;
  socket.poll(poll.reply());
  EXPECT_FALSE(poll.response);
  socket.send("42[\"a\"]");
  ASSERT_TRUE(poll.response);
  EXPECT_EQ(poll.response->status, 200);
  EXPECT_EQ(poll.response->body, "42[\"a\"]");
  // Packets queued between polls go out together, joined by the record separator; binary
  // ones as base64.
  socket.send("42[\"b\"]");
  socket.send_binary(std::string("\x01\x02", 2));
  Request next;
  socket.poll(next.reply());
  ASSERT_TRUE(next.response);
  EXPECT_EQ(next.response->body, "42[\"b\"]\x1e" "bAQI=");
}

TEST_F(EngineSocketTest, APostsPacketsReachTheListenerInOrder) {
  Request post;
  socket.receive_payload("40{}\x1e" "4hello\x1e" "bAQI=\x1e" "x", post.reply());
  ASSERT_TRUE(post.response);
  EXPECT_EQ(post.response->body, "ok");
  EXPECT_EQ(listener.messages, (std::vector<std::string>{"0{}", "hello"}));
  EXPECT_EQ(listener.binaries, (std::vector<std::string>{std::string("\x01\x02", 2)}));
  EXPECT_EQ(listener.invalid.size(), 1u);  // "x": answered, the session stays
  EXPECT_FALSE(socket.closed());
}

TEST_F(EngineSocketTest, TwoPollsAtOnceEndTheSession) {
  Request first, second;
  socket.poll(first.reply());
  socket.poll(second.reply());
  ASSERT_TRUE(second.response);
  EXPECT_EQ(second.response->status, 400);
  ASSERT_TRUE(first.response);
  EXPECT_EQ(first.response->body, "1");
  EXPECT_TRUE(socket.closed());
  EXPECT_EQ(listener.closed, 1);
}

TEST_F(EngineSocketTest, APostOverMaxPayloadGets413AndEndsTheSession) {
  Request post;
  socket.receive_payload(std::string(101, '4'), post.reply());
  ASSERT_TRUE(post.response);
  EXPECT_EQ(post.response->status, 413);
  EXPECT_TRUE(socket.closed());
  EXPECT_TRUE(listener.messages.empty());
}

TEST_F(EngineSocketTest, APollWhoseClientLeftEndsTheSessionInsteadOfLosingPackets) {
  Request poll;
  socket.poll(poll.reply());
  poll.connected = false;
  socket.send("42[\"lost?\"]");
  EXPECT_FALSE(poll.response);
  EXPECT_TRUE(socket.closed());
  EXPECT_EQ(listener.closed, 1);
}

TEST_F(EngineSocketTest, TheServerPingsAndClosesWhenThePongIsLate) {
  uint64_t start = loop.now_ms();
  socket.tick(start + 1000);
  Request poll;
  socket.poll(poll.reply());
  ASSERT_TRUE(poll.response);
  EXPECT_EQ(poll.response->body, "2");
  Request pong;
  socket.receive_payload("3", pong.reply());
  socket.tick(start + 1600);  // answered: no timeout
  EXPECT_FALSE(socket.closed());
  socket.tick(start + 2000);  // the next ping
  socket.tick(start + 2600);  // no pong within 500 ms
  EXPECT_TRUE(socket.closed());
}

}  // namespace
}  // namespace sb::dialects::socketio

#include "dialects/rooms/rooms_protocol.h"

#include <gtest/gtest.h>

namespace sb::dialects::rooms {

TEST(RoomsProtocol, ParsesTheSeedsClientMessages) {
  auto sub = parse_client_message(R"({"type":"subscribe","payload":{"room":"support"},"timestamp":1,"id":"a1"})");
  ASSERT_TRUE(sub.ok);
  EXPECT_EQ(sub.type, ClientType::kSubscribe);
  EXPECT_EQ(sub.room, "support");
  EXPECT_EQ(sub.id, "a1");
  auto str = parse_client_message(R"({"type":"unsubscribe","payload":"project:123"})");
  EXPECT_EQ(str.type, ClientType::kUnsubscribe);
  EXPECT_EQ(str.room, "project:123");
  auto msg = parse_client_message(R"({"type":"message","payload":{"room":"support","content":{"text":"Hello!"}},"id":7})");
  ASSERT_TRUE(msg.ok);
  EXPECT_EQ(msg.content, R"({"text":"Hello!"})");
  EXPECT_EQ(msg.id, "7");
  EXPECT_EQ(parse_client_message(R"({"type":"ping"})").type, ClientType::kPing);
}

TEST(RoomsProtocol, ExplainsBadInput) {
  EXPECT_EQ(parse_client_message("nope").error_code, "INVALID_MESSAGE");
  EXPECT_EQ(parse_client_message(R"({"type":"dance","id":"x"})").error_code, "UNKNOWN_TYPE");
  EXPECT_EQ(parse_client_message(R"({"type":"dance","id":"x"})").id, "x");
  EXPECT_EQ(parse_client_message(R"({"type":"subscribe","payload":{}})").error_code, "INVALID_MESSAGE");
}

TEST(RoomsProtocol, RendersMessagesNotificationsAndErrors) {
  hub::Publication p;
  p.id = "p1";
  p.channel = "support";
  p.event_type = "message";
  p.data = R"({"text":"Hello!"})";
  p.sender_user_id = "u1";
  p.sender_name = "Una";
  p.time_ms = 1700000000000ULL;
  std::string out;
  render_publication(p, out);
  EXPECT_EQ(out, R"({"type":"message","payload":{"room":"support","content":{"text":"Hello!"},"from":{"id":"u1","name":"Una"}},"timestamp":1700000000000,"id":"p1"})");
  p.event_type = "NOTIFICATION";
  p.data = R"({"title":"New"})";
  out.clear();
  render_publication(p, out);
  EXPECT_EQ(out, R"({"type":"notification","payload":{"title":"New"},"room":"support","timestamp":1700000000000,"id":"p1"})");
  EXPECT_EQ(render_error("RATE_LIMITED", "slow down", 5, "m1", 1200),
            R"({"type":"error","payload":{"code":"RATE_LIMITED","message":"slow down","retryAfter":1200},"timestamp":5,"id":"m1"})");
}

}  // namespace sb::dialects::rooms

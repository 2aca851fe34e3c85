#include "dialects/envelope/envelope_protocol.h"

#include <gtest/gtest.h>

namespace sb::dialects::envelope {

TEST(EnvelopeProtocol, ParsesTheSeedsClientMessages) {
  auto sub = parse_client_message(R"({"type":"SUBSCRIBE","payload":{"channels":["matter:123","user:notifications"]},"id":"a"})");
  ASSERT_TRUE(sub.ok);
  EXPECT_EQ(sub.type, ClientType::kSubscribe);
  EXPECT_EQ(sub.channels, (std::vector<std::string>{"matter:123", "user:notifications"}));
  EXPECT_EQ(sub.id, "a");
  auto auth = parse_client_message(R"({"type":"AUTH","token":"t"})");
  EXPECT_EQ(auth.token, "t");
  auto typing = parse_client_message(R"({"type":"TYPING_INDICATOR","payload":{"channelId":"memo:thread:123","userId":"x","isTyping":true}})");
  EXPECT_EQ(typing.channel, "memo:thread:123");
  EXPECT_TRUE(typing.is_typing);
  auto cursor = parse_client_message(
      R"({"type":"CURSOR_POSITION","payload":{"documentId":"doc-456","userId":"forged","position":{"page":1,"x":100,"y":200}}})");
  ASSERT_TRUE(cursor.ok);
  EXPECT_EQ(cursor.channel, "document:doc-456");
  EXPECT_EQ(cursor.cursor_fields, R"("documentId":"doc-456","position":{"page":1,"x":100,"y":200})");  // no userId
  auto read = parse_client_message(R"({"type":"NOTIFICATION_READ","payload":{"all":true}})");
  EXPECT_TRUE(read.all);
}

TEST(EnvelopeProtocol, RefusesMalformedEnvelopes) {
  EXPECT_FALSE(parse_client_message("[").ok);
  EXPECT_FALSE(parse_client_message(R"({"payload":{}})").ok);
  EXPECT_FALSE(parse_client_message(R"({"type":"SUBSCRIBE","payload":{"channels":"matter:1"}})").ok);
  EXPECT_FALSE(parse_client_message(R"({"type":"SUBSCRIBE","payload":{"channels":[]}})").ok);
  EXPECT_FALSE(parse_client_message(R"({"type":"TYPING_INDICATOR","payload":{"channelId":"c"}})").ok);
  EXPECT_FALSE(parse_client_message(R"({"type":"SHOUT"})").ok);
}

TEST(EnvelopeProtocol, RendersPublicationsInTheEnvelope) {
  EXPECT_EQ(envelope_type("presence.join"), "USER_JOINED");
  EXPECT_EQ(envelope_type("presence.leave"), "USER_LEFT");
  EXPECT_EQ(envelope_type("typing"), "TYPING_INDICATOR");
  EXPECT_EQ(envelope_type("cursor"), "CURSOR_POSITION");
  EXPECT_EQ(envelope_type("MATTER_UPDATED"), "MATTER_UPDATED");
  EXPECT_EQ(envelope_type("message.sent"), "MESSAGE_SENT");
  hub::Publication p;
  p.id = "p1";
  p.channel = "matter:123";
  p.event_type = "MATTER_UPDATED";
  p.data = R"({"matterId":"matter-123"})";
  p.sender_user_id = "user-456";
  p.metadata = R"({"correlationId":"c-9"})";
  p.time_ms = 1711965900000ULL;
  std::string out;
  render_publication(p, out);
  EXPECT_EQ(out, R"({"id":"p1","type":"MATTER_UPDATED","timestamp":"2024-04-01T10:05:00.000Z","payload":{"matterId":"matter-123"},)"
                 R"("metadata":{"channel":"matter:123","userId":"user-456","correlationId":"c-9"}})");
}

TEST(EnvelopeProtocol, ClientMetadataNeverSpeaksForTheServer) {
  // A topics client publishing with metadata {"userId":"ceo","channel":"x"}: the envelope
  // shows the real sender and channel, and the client's object under its own key only.
  hub::Publication p;
  p.id = "p2";
  p.channel = "matter:1";
  p.event_type = "message";
  p.data = "{}";
  p.sender_user_id = "mallory";
  p.client_metadata = R"({"userId":"ceo","channel":"x"})";
  p.time_ms = 1711965900000ULL;
  std::string out;
  render_publication(p, out);
  EXPECT_NE(out.find(R"("metadata":{"channel":"matter:1","userId":"mallory","client":{"userId":"ceo","channel":"x"}})"),
            std::string::npos)
      << out;
  // A backend's metadata merges, but never over the channel the server states.
  hub::Publication backend;
  backend.id = "p3";
  backend.channel = "matter:2";
  backend.event_type = "MATTER_UPDATED";
  backend.data = "{}";
  backend.metadata = R"({"channel":"other","userId":"editor-7"})";
  std::string out2;
  render_publication(backend, out2);
  EXPECT_NE(out2.find(R"("metadata":{"channel":"matter:2","userId":"editor-7"})"), std::string::npos) << out2;
}

}  // namespace sb::dialects::envelope

#include "dialects/topics/topics_protocol.h"

#include <gtest/gtest.h>

namespace sb::dialects::topics {

TEST(TopicsProtocol, ParsesEveryClientMessageOfTheSeed) {
  auto auth = parse_client_message(R"({"type":"auth","token":"abc"})");
  ASSERT_TRUE(auth.ok);
  EXPECT_EQ(auth.type, ClientType::kAuth);
  EXPECT_EQ(auth.token, "abc");
  auto sub = parse_client_message(R"({"type":"subscribe","topic":"messages.user.*"})");
  ASSERT_TRUE(sub.ok);
  EXPECT_EQ(sub.type, ClientType::kSubscribe);
  auto unsub = parse_client_message(R"({"type":"unsubscribe","topic":"messages.user.123"})");
  EXPECT_EQ(unsub.type, ClientType::kUnsubscribe);
  auto ping = parse_client_message(R"({"type":"ping"})");
  EXPECT_EQ(ping.type, ClientType::kPing);
  auto msg = parse_client_message(
      R"({"type":"message","topic":"messages.channel.general","data":{"content":"Hello, World!","attachments":[]},"metadata":{"priority":"normal","senderId":"forged"}})");
  ASSERT_TRUE(msg.ok);
  EXPECT_EQ(msg.data, R"({"content":"Hello, World!","attachments":[]})");
  // Kept whole: it is shown under its own key, where a "senderId" in it speaks for no one.
  EXPECT_EQ(msg.metadata, R"({"priority":"normal","senderId":"forged"})");
  EXPECT_EQ(msg.event_type, "message");
}

TEST(TopicsProtocol, ExplainsBadInput) {
  auto bad_json = parse_client_message("{nope");
  EXPECT_FALSE(bad_json.ok);
  EXPECT_EQ(bad_json.error_issue, "invalid JSON");
  auto no_type = parse_client_message(R"({"topic":"x"})");
  EXPECT_EQ(no_type.error_field, "type");
  auto unknown = parse_client_message(R"({"type":"dance"})");
  EXPECT_EQ(unknown.error_message, "Unknown message type");
  auto no_topic = parse_client_message(R"({"type":"subscribe"})");
  EXPECT_EQ(no_topic.error_field, "topic");
  EXPECT_EQ(no_topic.error_issue, "required");
  auto wildcard_publish = parse_client_message(R"({"type":"message","topic":"a.*"})");
  EXPECT_FALSE(wildcard_publish.ok);
  auto bad_meta = parse_client_message(R"({"type":"message","topic":"a","metadata":[1]})");
  EXPECT_EQ(bad_meta.error_field, "metadata");
  EXPECT_FALSE(parse_client_message("[]").ok);
}

TEST(TopicsProtocol, RendersTheSeedsBroadcastShape) {
  hub::Publication p;
  p.id = "p-1";
  p.channel = "messages.user.123";
  p.event_type = "message.sent";
  p.data = R"({"content":"Hello!"})";
  p.client_metadata = R"({"priority":"high","senderId":"forged"})";
  p.sender_user_id = "user-abc";
  p.sender_connection_id = "conn-xyz";
  p.time_ms = 1762862400000ULL;
  std::string out;
  render_publication(p, out);
  EXPECT_EQ(out,
            R"({"type":"message","topic":"messages.user.123","eventType":"message.sent","data":{"content":"Hello!"},)"
            R"("metadata":{"senderId":"user-abc","senderConnectionId":"conn-xyz",)"
            R"("client":{"priority":"high","senderId":"forged"}},"id":"p-1",)"
            R"("timestamp":"2025-11-11T12:00:00.000Z"})");
  hub::Publication backend;
  backend.channel = "c";
  backend.event_type = "e";
  backend.data = "null";
  std::string out2;
  render_publication(backend, out2);
  EXPECT_NE(out2.find(R"("metadata":{})"), std::string::npos);
  // A backend's metadata is merged, the server's keys winning over any of the same name.
  backend.metadata = R"({"trace":"t-1","senderConnectionId":"x"})";
  backend.sender_user_id = "svc";
  std::string out3;
  render_publication(backend, out3);
  EXPECT_NE(out3.find(R"("metadata":{"senderId":"svc","trace":"t-1"})"), std::string::npos) << out3;
}

TEST(TopicsProtocol, RendersErrorsWithCodeAndDetails) {
  std::string e = render_error(403, "Forbidden", "topic", "not allowed", 0);
  EXPECT_EQ(e, R"({"type":"error","code":403,"message":"Forbidden","details":{"field":"topic","issue":"not allowed"},)"
               R"("timestamp":"1970-01-01T00:00:00.000Z"})");
}

}  // namespace sb::dialects::topics

#include "dialects/events/events_protocol.h"

#include <gtest/gtest.h>

namespace sb::dialects::events {

TEST(EventsProtocol, ParsesEveryClientMessageOfTheSeed) {
  auto m = parse_client_message(R"({"type":"connection.heartbeat.ping","data":{"timestamp":"2024-01-15T10:30:00Z"}})");
  ASSERT_TRUE(m.ok);
  EXPECT_EQ(m.type, ClientType::kPing);
  EXPECT_EQ(m.client_timestamp, R"("2024-01-15T10:30:00Z")");

  m = parse_client_message(R"({"type":"meeting.join","data":{"meetingId":"meeting_123","role":"participant"}})");
  ASSERT_TRUE(m.ok);
  EXPECT_EQ(m.meeting_id, "meeting_123");
  EXPECT_EQ(m.role, "participant");
  m = parse_client_message(R"({"type":"meeting.join","data":{"meetingId":123}})");
  ASSERT_TRUE(m.ok);
  EXPECT_EQ(m.meeting_id, "123");
  EXPECT_EQ(m.role, "participant");

  m = parse_client_message(R"({"type":"meeting.chat.message","data":{"meetingId":"123","message":"Hello!","replyTo":null}})");
  ASSERT_TRUE(m.ok);
  EXPECT_EQ(m.text, "Hello!");
  EXPECT_EQ(m.reply_to, "null");
  m = parse_client_message(R"({"type":"meeting.chat.message","data":{"meetingId":"123","message":"Hi","replyTo":"msg_1"}})");
  EXPECT_EQ(m.reply_to, R"("msg_1")");

  m = parse_client_message(
      R"({"type":"decision.vote.cast","data":{"decisionId":"decision_123","vote":"approve","comment":"Looks good to me"}})");
  ASSERT_TRUE(m.ok);
  EXPECT_EQ(m.decision_id, "decision_123");
  EXPECT_EQ(m.vote, "approve");
  EXPECT_EQ(m.text, "Looks good to me");

  m = parse_client_message(
      R"({"type":"presence.update","data":{"status":"online","activity":{"type":"viewing","target":"meeting_123"}}})");
  ASSERT_TRUE(m.ok);
  EXPECT_EQ(m.activity, R"({"type":"viewing","target":"meeting_123"})");
  m = parse_client_message(R"({"type":"presence.update","data":{"status":"away"}})");
  EXPECT_EQ(m.activity, "null");

  m = parse_client_message(R"({"type":"presence.subscribe","data":{"roomId":"meeting_123"}})");
  ASSERT_TRUE(m.ok);
  EXPECT_EQ(m.room_id, "meeting_123");
  m = parse_client_message(R"({"type":"notification.acknowledge","data":{"notificationId":"notif_123"}})");
  ASSERT_TRUE(m.ok);
  EXPECT_EQ(m.notification_id, "notif_123");

  m = parse_client_message(R"({"type":"collaboration.cursor","data":{"documentId":"doc_123","position":{"line":10,"column":25},
      "selection":{"start":{"line":10,"column":20},"end":{"line":10,"column":30}}}})");
  ASSERT_TRUE(m.ok);
  EXPECT_EQ(m.position, R"({"line":10,"column":25})");
  EXPECT_EQ(m.selection, R"({"start":{"line":10,"column":20},"end":{"line":10,"column":30}})");
  m = parse_client_message(R"({"type":"collaboration.typing","data":{"roomId":"meeting_123","isTyping":true}})");
  ASSERT_TRUE(m.ok);
  EXPECT_TRUE(m.is_typing);

  m = parse_client_message(R"({"type":"subscribe","data":{"channels":["meeting:123","decision:456","user:789"]}})");
  ASSERT_TRUE(m.ok);
  EXPECT_EQ(m.channels.size(), 3u);
  m = parse_client_message(R"({"type":"connection.token.refresh","data":{"token":"abc"}})");
  ASSERT_TRUE(m.ok);
  EXPECT_EQ(m.token, "abc");
}

TEST(EventsProtocol, TakesTheCorrelationIdFromMetadataThenTheMessage) {
  EXPECT_EQ(parse_client_message(R"({"id":"m1","type":"subscribe","data":{"channels":["a"]},
      "metadata":{"correlationId":"req_456"}})").correlation_id, "req_456");
  EXPECT_EQ(parse_client_message(R"({"id":"m1","type":"x","correlationId":"c"})").correlation_id, "c");
  EXPECT_EQ(parse_client_message(R"({"id":7,"type":"x"})").correlation_id, "7");
}

TEST(EventsProtocol, RefusesBadMessagesWithAReason) {
  for (const char* bad : {
           "not json", "[]", R"({"data":{}})", R"({"type":"meeting.join","data":"x"})",
           R"({"type":"meeting.join","data":{}})", R"({"type":"meeting.chat.message","data":{"meetingId":"1"}})",
           R"({"type":"meeting.chat.message","data":{"meetingId":"1","message":""}})",
           R"({"type":"meeting.chat.message","data":{"meetingId":"1","message":"x","replyTo":5}})",
           R"({"type":"decision.vote.cast","data":{"decisionId":"d"}})",
           R"({"type":"decision.vote.cast","data":{"decisionId":"d","vote":"approve","comment":7}})",
           R"({"type":"presence.update","data":{"status":"online","activity":"reading"}})",
           R"({"type":"collaboration.cursor","data":{"documentId":"d","position":3}})",
           R"({"type":"collaboration.typing","data":{"roomId":"r","isTyping":"yes"}})",
           R"({"type":"subscribe","data":{"channels":[]}})", R"({"type":"subscribe","data":{"channels":[1]}})",
           R"({"type":"connection.token.refresh","data":{}})", R"({"type":"meeting.teleport","data":{}})"}) {
    auto m = parse_client_message(bad);
    EXPECT_FALSE(m.ok) << bad;
    EXPECT_FALSE(m.error_message.empty()) << bad;
  }
  std::string long_chat = R"({"type":"meeting.chat.message","data":{"meetingId":"1","message":")" +
                          std::string(kMaxChatLength + 1, 'a') + R"("}})";
  EXPECT_FALSE(parse_client_message(long_chat).ok);
}

TEST(EventsProtocol, RendersTheSeedsStructure) {
  std::string out = render("m-1", "connection.ready", R"({"userId":"u"})", 1705314600000, "u", "req_1");
  EXPECT_EQ(out, R"({"id":"m-1","type":"connection.ready","data":{"userId":"u"},"metadata":{"timestamp":)"
                 R"("2024-01-15T10:30:00.000Z","userId":"u","correlationId":"req_1","version":"1.0"}})");
  std::string error = render_error("m-2", "RATE_LIMITED", "Rate limit exceeded", true, 45000,
                                   R"({"limit":100,"window":60,"retryAfter":45})", "", 0, "u");
  EXPECT_NE(error.find(R"("type":"error","data":{"code":"RATE_LIMITED","message":"Rate limit exceeded",)"
                       R"("details":{"limit":100,"window":60,"retryAfter":45},"correlationId":null,)"
                       R"("retryable":true,"retryAfter":45000})"),
            std::string::npos)
      << error;
}

TEST(EventsProtocol, RendersTheCoresRelaysInTheSeedsShape) {
  hub::Publication cursor;
  cursor.id = "p1";
  cursor.channel = "document:doc_123";
  cursor.event_type = "cursor";
  cursor.sender_user_id = "user_456";
  cursor.data = R"({"channelId":"document:doc_123","userId":"user_456","user":{"id":"user_456","name":"John Doe"},)"
                R"("position":{"line":10,"column":25},"selection":null})";
  std::string out;
  render_publication(cursor, out);
  EXPECT_NE(out.find(R"("type":"collaboration.cursor.update","data":{"documentId":"doc_123","userId":"user_456",)"
                     R"("userName":"John Doe","color":")" + cursor_colour("user_456") +
                     R"(","position":{"line":10,"column":25},"selection":null})"),
            std::string::npos)
      << out;
  EXPECT_EQ(cursor_colour("user_456"), cursor_colour("user_456"));
  EXPECT_EQ(cursor_colour("user_456").size(), 7u);
  // Pinned: a user's colour must not change between nodes or versions.
  EXPECT_EQ(cursor_colour("user_456"), "#50B86C");
  EXPECT_EQ(cursor_colour("user_457"), cursor_colour("user_457"));
  EXPECT_EQ(cursor_colour(""), "#E24A6F");

  hub::Publication typing;
  typing.channel = "meeting:meeting_123";
  typing.event_type = "typing";
  typing.data = R"({"channelId":"meeting:meeting_123","userId":"u","user":{"id":"u","name":"Ann"},"isTyping":true})";
  out.clear();
  render_publication(typing, out);
  EXPECT_NE(out.find(R"("type":"collaboration.typing.update","data":{"roomId":"meeting_123","userId":"u",)"
                     R"("userName":"Ann","isTyping":true})"),
            std::string::npos)
      << out;

  hub::Publication joined;
  joined.channel = "meeting:7";
  joined.event_type = "presence.join";
  joined.data = R"({"channelId":"meeting:7","user":{"id":"u","name":"Ann"}})";
  out.clear();
  render_publication(joined, out);
  EXPECT_NE(out.find(R"("type":"presence.changed","data":{"roomId":"7","userId":"u","userName":"Ann",)"
                     R"("status":"online","activity":null,)"),
            std::string::npos)
      << out;
}

TEST(EventsProtocol, ShowsOtherDialectsTypesInDotNotation) {
  EXPECT_EQ(events_type("MATTER_UPDATED"), "matter.updated");
  EXPECT_EQ(events_type("NOTIFICATION"), "notification.send");
  EXPECT_EQ(events_type("meeting.agenda.update"), "meeting.agenda.update");
  EXPECT_EQ(events_type("message.sent"), "message.sent");
  EXPECT_EQ(room_channel("meeting_123"), "meeting:meeting_123");
  EXPECT_EQ(room_channel("team:alpha"), "team:alpha");
  EXPECT_EQ(room_id_of("meeting:meeting_123"), "meeting_123");
  EXPECT_EQ(document_channel("doc_123"), "document:doc_123");
}

}  // namespace sb::dialects::events

// The messages that carry Engine.IO requests between nodes, and the session ids that say
// which node and loop own a session.
#include <gtest/gtest.h>

#include "dialects/socketio/relay_message.h"
#include "dialects/socketio/session_id.h"

namespace sb::dialects::socketio {
namespace {

TEST(RelayMessage, EveryKindRoundTripsWithBodiesHoldingNewlines) {
  RelayMessage post{RelayKind::kPost, "0.0a1b2c3d.abc", "1.7", false, 0, {}, "4\n2[\"x\"]\x1e" "42[1]"};
  RelayMessage decoded;  // views into the text
  std::string text = encode_relay_message(post);
  ASSERT_TRUE(decode_relay_message(text, decoded));
  EXPECT_EQ(decoded.kind, RelayKind::kPost);
  EXPECT_EQ(decoded.sid, post.sid);
  EXPECT_EQ(decoded.ref, "1.7");
  EXPECT_EQ(decoded.body, post.body);

  RelayMessage frame{RelayKind::kSocketSend, {}, "0.3", true, 0, {}, std::string_view("\0\1\n", 3)};
  text = encode_relay_message(frame);
  ASSERT_TRUE(decode_relay_message(text, decoded));
  EXPECT_TRUE(decoded.binary);
  EXPECT_EQ(decoded.body, std::string_view("\0\1\n", 3));

  RelayMessage answer{RelayKind::kAnswer, {}, "2.9", false, 400, "application/json", "{\"code\":1}"};
  text = encode_relay_message(answer);
  ASSERT_TRUE(decode_relay_message(text, decoded));
  EXPECT_EQ(decoded.status, 400);
  EXPECT_EQ(decoded.content_type, "application/json");
  EXPECT_EQ(decoded.body, "{\"code\":1}");
}

TEST(RelayMessage, RefusesWhatIsNotOne) {
  RelayMessage out;
  EXPECT_FALSE(decode_relay_message("", out));
  EXPECT_FALSE(decode_relay_message("Zsid\nref\n0\n\nbody", out));     // unknown kind
  EXPECT_FALSE(decode_relay_message("Gsid\nref\n0", out));             // cut short
  EXPECT_FALSE(decode_relay_message("Gsid\nref\n2\n\n", out));         // not a flag
  EXPECT_FALSE(decode_relay_message("R\nref\n99\ntext/plain\n", out));  // not a status
  EXPECT_FALSE(decode_relay_message("R\nref\n-1\ntext/plain\n", out));
  EXPECT_TRUE(decode_relay_message("R\nref\n200\ntext/plain\nok", out));
}

TEST(SessionId, NamesItsLoopAndNode) {
  std::string sid = make_session_id(3, "0a1b2c3d");
  auto parts = parse_session_id(sid);
  ASSERT_TRUE(parts.has_value());
  EXPECT_EQ(parts->loop, 3u);
  EXPECT_EQ(parts->node, "0a1b2c3d");
  EXPECT_NE(make_session_id(3, "0a1b2c3d"), sid) << "random after the routing part";
}

TEST(SessionId, RefusesForgedOrForeignIds) {
  EXPECT_FALSE(parse_session_id(""));
  EXPECT_FALSE(parse_session_id("7"));
  EXPECT_FALSE(parse_session_id("0.nope"));
  EXPECT_FALSE(parse_session_id("x.0a1b2c3d.AAAAAAAAAAAAAAAAAAAAAAAA"));
  EXPECT_FALSE(parse_session_id("0.0A1B2C3D.AAAAAAAAAAAAAAAAAAAAAAAA"));   // not our hex
  EXPECT_FALSE(parse_session_id("0.0a1b2c3d.AAAAAAAAAAAAAAAAAAAAAAA\n"));  // a newline smuggled in
  EXPECT_FALSE(parse_session_id("0.0a1b2c3d.AAAAAAAAAAAAAAAAAAAAAAAAA"));  // too long
  EXPECT_FALSE(parse_session_id("12345.0a1b2c3d.AAAAAAAAAAAAAAAAAAAAAAAA"));
  EXPECT_TRUE(parse_session_id("0.0a1b2c3d.AAAAAAAAAAAAAAAAAAAAA-_A"));
}

}  // namespace
}  // namespace sb::dialects::socketio

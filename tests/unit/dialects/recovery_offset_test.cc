#include "dialects/socketio/recovery_offset.h"

#include <gtest/gtest.h>

#include "dialects/socketio/socketio_protocol.h"

namespace sb::dialects::socketio {

TEST(RecoveryOffset, FormatsAndParsesOnePositionPerChannel) {
  std::vector<hub::StreamPosition> positions = {{17, "3fa2b1c0"}, {0, "9bd00e12"}};
  std::string text = format_positions(positions);
  EXPECT_EQ(text, "17:3fa2b1c0,0:9bd00e12");
  std::vector<hub::StreamPosition> back;
  ASSERT_TRUE(parse_positions(text, 2, back));
  EXPECT_EQ(back[0].offset, 17u);
  EXPECT_EQ(back[0].epoch, "3fa2b1c0");
  EXPECT_EQ(back[1].offset, 0u);
  EXPECT_EQ(back[1].epoch, "9bd00e12");
}

TEST(RecoveryOffset, RefusesWhatIsNotAnOffsetOfThisSession) {
  std::vector<hub::StreamPosition> out;
  EXPECT_FALSE(parse_positions("17:abc", 2, out));              // one channel short
  EXPECT_FALSE(parse_positions("1:a,2:b,3:c", 2, out));         // one too many
  EXPECT_FALSE(parse_positions("", 1, out));
  EXPECT_FALSE(parse_positions("x:abc", 1, out));
  EXPECT_FALSE(parse_positions("-1:abc", 1, out));
  EXPECT_FALSE(parse_positions("1:", 1, out));
  EXPECT_FALSE(parse_positions(":abc", 1, out));
  EXPECT_FALSE(parse_positions("1:ab c", 1, out));
  EXPECT_FALSE(parse_positions("1:abc,", 1, out));
  EXPECT_FALSE(parse_positions("99999999999999999999999:abc", 1, out));  // beyond 64 bits
  EXPECT_FALSE(parse_positions("1:" + std::string(65, 'e'), 1, out));
  EXPECT_FALSE(parse_positions("{\"type\":\"RESPONSE\"}", 1, out));     // a message's text
  EXPECT_FALSE(parse_positions("1:abc", 0, out));
}

TEST(RecoveryOffset, APidCarriesThePositionsAtConnect) {
  std::string pid = new_pid({{5, "abcdef01"}});
  EXPECT_EQ(pid.size(), 16u + 1 + 10);
  EXPECT_NE(pid, new_pid({{5, "abcdef01"}}));  // random part
  std::vector<hub::StreamPosition> out;
  ASSERT_TRUE(pid_positions(pid, 1, out));
  EXPECT_EQ(out[0].offset, 5u);
  EXPECT_FALSE(pid_positions(pid, 2, out));
  EXPECT_FALSE(pid_positions("no-dot-here", 1, out));
}

TEST(RecoveryOffset, AnEventEndsWithTheOffsetAsItsLastArgument) {
  EXPECT_EQ(message_head("{\"a\":1}") + message_tail("3:ab"), "42[\"message\",\"{\\\"a\\\":1}\",\"3:ab\"]");
  EXPECT_EQ(message_head("x") + message_tail(""), message_packet("x"));
}

}  // namespace sb::dialects::socketio

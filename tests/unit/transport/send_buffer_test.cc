#include "transport/send_buffer.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace sb::transport {

namespace {
std::string_view pending(const SendBuffer& buffer) { return {buffer.pending_data(), buffer.pending()}; }
}  // namespace

TEST(SendBuffer, QueuesAtTheBackAndConsumesFromTheFront) {
  SendBuffer buffer;
  EXPECT_TRUE(buffer.drained());
  EXPECT_EQ(buffer.capacity(), 0u);  // an idle connection holds no array
  buffer.append("hello ", 6);
  buffer.append("world", 5);
  EXPECT_EQ(pending(buffer), "hello world");
  buffer.consume(6);
  EXPECT_EQ(pending(buffer), "world");
  buffer.append("!", 1);
  EXPECT_EQ(pending(buffer), "world!");
  buffer.consume(6);
  EXPECT_TRUE(buffer.drained());
}

TEST(SendBuffer, GrowsByDoublingAndKeepsTheBytes) {
  SendBuffer buffer;
  std::string expected;
  for (int i = 0; i < 1000; ++i) {
    std::string piece = std::to_string(i) + ",";
    buffer.append(piece.data(), piece.size());
    expected += piece;
  }
  EXPECT_EQ(pending(buffer), expected);
  EXPECT_GE(buffer.capacity(), expected.size());
  EXPECT_LT(buffer.capacity(), expected.size() * 2 + 16);
}

TEST(SendBuffer, AHeaderAndItsPayloadShareTheFirstArray) {
  SendBuffer buffer;
  buffer.append("\x81\x7e", 2);
  size_t first = buffer.capacity();
  const char* array = buffer.pending_data();
  std::string payload(150, 'p');
  buffer.append(payload.data(), payload.size());
  EXPECT_EQ(buffer.capacity(), first);
  EXPECT_EQ(buffer.pending_data(), array);
  EXPECT_EQ(buffer.pending(), 152u);
}

TEST(SendBuffer, CompactsTheRestToTheFront) {
  SendBuffer buffer;
  buffer.append("abcdefgh", 8);
  buffer.consume(5);
  EXPECT_TRUE(buffer.mostly_consumed());
  buffer.compact();
  EXPECT_FALSE(buffer.mostly_consumed());
  EXPECT_EQ(pending(buffer), "fgh");
  buffer.append("ij", 2);
  EXPECT_EQ(pending(buffer), "fghij");
}

TEST(SendBuffer, ClearKeepsTheArrayAndReleaseFreesIt) {
  SendBuffer buffer;
  buffer.append("abc", 3);
  size_t capacity = buffer.capacity();
  buffer.clear();
  EXPECT_TRUE(buffer.drained());
  EXPECT_EQ(buffer.capacity(), capacity);
  buffer.append("xy", 2);
  EXPECT_EQ(pending(buffer), "xy");
  buffer.release();
  EXPECT_TRUE(buffer.drained());
  EXPECT_EQ(buffer.capacity(), 0u);
  buffer.append("z", 1);
  EXPECT_EQ(pending(buffer), "z");
}

}  // namespace sb::transport

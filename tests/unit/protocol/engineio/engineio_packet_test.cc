#include "protocol/engineio/engineio_packet.h"

#include <gtest/gtest.h>

namespace sb::protocol::engineio {

TEST(EngineIoPacket, ParsesTextPacketsOfEveryType) {
  Packet p;
  std::string scratch;
  ASSERT_EQ(parse_text_packet("4hello", p, scratch), ParseStatus::kOk);
  EXPECT_EQ(p.type, PacketType::kMessage);
  EXPECT_FALSE(p.binary);
  EXPECT_EQ(p.data, "hello");
  ASSERT_EQ(parse_text_packet("2probe", p, scratch), ParseStatus::kOk);
  EXPECT_EQ(p.type, PacketType::kPing);
  EXPECT_EQ(p.data, "probe");
  ASSERT_EQ(parse_text_packet("3", p, scratch), ParseStatus::kOk);
  EXPECT_EQ(p.type, PacketType::kPong);
  EXPECT_TRUE(p.data.empty());
  ASSERT_EQ(parse_text_packet("5", p, scratch), ParseStatus::kOk);
  EXPECT_EQ(p.type, PacketType::kUpgrade);
  EXPECT_EQ(parse_text_packet("", p, scratch), ParseStatus::kEmpty);
  EXPECT_EQ(parse_text_packet("7x", p, scratch), ParseStatus::kUnknownType);
  EXPECT_EQ(parse_text_packet("x", p, scratch), ParseStatus::kUnknownType);
}

TEST(EngineIoPacket, BinaryMessagesTravelAsBase64InPolling) {
  // The protocol's own example: bytes 01 02 03 are "bAQID".
  std::string out;
  append_base64_packet(out, std::string("\x01\x02\x03", 3));
  EXPECT_EQ(out, "bAQID");
  Packet p;
  std::string scratch;
  ASSERT_EQ(parse_text_packet(out, p, scratch), ParseStatus::kOk);
  EXPECT_TRUE(p.binary);
  EXPECT_EQ(p.type, PacketType::kMessage);
  EXPECT_EQ(p.data, std::string("\x01\x02\x03", 3));
  for (std::string bytes : {std::string(), std::string("a"), std::string("ab"), std::string(1000, '\xff')}) {
    std::string packet;
    append_base64_packet(packet, bytes);
    ASSERT_EQ(parse_text_packet(packet, p, scratch), ParseStatus::kOk) << packet;
    EXPECT_EQ(p.data, bytes);
  }
  EXPECT_EQ(parse_text_packet("bAQI", p, scratch), ParseStatus::kBadBase64);  // clients pad
  EXPECT_EQ(parse_text_packet("bAQ", p, scratch), ParseStatus::kBadBase64);
  EXPECT_EQ(parse_text_packet("bA*ID", p, scratch), ParseStatus::kBadBase64);
}

TEST(EngineIoPacket, PayloadsJoinAndSplitOnTheRecordSeparator) {
  std::string payload;
  std::string packet;
  append_text_packet(packet, PacketType::kMessage, "hello");
  append_to_payload(payload, packet);
  append_to_payload(payload, "4\xe2\x82\xac");
  append_to_payload(payload, "bAQID");
  EXPECT_EQ(payload, "4hello\x1e" "4\xe2\x82\xac\x1e" "bAQID");
  std::vector<std::string_view> parts;
  ASSERT_TRUE(split_payload(payload, 16, parts));
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0], "4hello");
  EXPECT_EQ(parts[2], "bAQID");
  EXPECT_FALSE(split_payload(payload, 2, parts));  // more packets than allowed
  EXPECT_TRUE(parts.empty());
}

}  // namespace sb::protocol::engineio

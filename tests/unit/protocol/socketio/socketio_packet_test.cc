#include "protocol/socketio/socketio_packet.h"

#include <gtest/gtest.h>

namespace sb::protocol::socketio {

TEST(SocketIoPacket, ParsesWhatSocketIoClientSends) {
  Packet p;
  ASSERT_EQ(parse(R"(0{"token":"abc"})", p), ParseStatus::kOk);
  EXPECT_EQ(p.type, PacketType::kConnect);
  EXPECT_EQ(p.nsp, "/");
  EXPECT_EQ(p.data, R"({"token":"abc"})");
  ASSERT_EQ(parse("0", p), ParseStatus::kOk);  // CONNECT without auth
  ASSERT_EQ(parse(R"(2["message","{\"type\":\"REQUEST\"}"])", p), ParseStatus::kOk);
  EXPECT_EQ(p.type, PacketType::kEvent);
  EXPECT_FALSE(p.has_id);
  ASSERT_EQ(parse(R"(212["ask",1])", p), ParseStatus::kOk);  // emitWithAck
  EXPECT_TRUE(p.has_id);
  EXPECT_EQ(p.id, 12u);
  EXPECT_EQ(p.data, R"(["ask",1])");
  ASSERT_EQ(parse(R"(2/admin,7["x"])", p), ParseStatus::kOk);
  EXPECT_EQ(p.nsp, "/admin");
  EXPECT_EQ(p.id, 7u);
  ASSERT_EQ(parse(R"(51-["upload",{"_placeholder":true,"num":0}])", p), ParseStatus::kOk);
  EXPECT_EQ(p.type, PacketType::kBinaryEvent);
  EXPECT_EQ(p.attachments, 1u);
  ASSERT_EQ(parse("1", p), ParseStatus::kOk);
  EXPECT_EQ(p.type, PacketType::kDisconnect);
}

TEST(SocketIoPacket, RefusesMalformedPackets) {
  Packet p;
  EXPECT_EQ(parse("", p), ParseStatus::kEmpty);
  EXPECT_EQ(parse("9[]", p), ParseStatus::kUnknownType);
  EXPECT_EQ(parse(R"(5["x"])", p), ParseStatus::kBadAttachments);      // no count
  EXPECT_EQ(parse(R"(599-["x"])", p), ParseStatus::kBadAttachments);   // over the limit
  EXPECT_EQ(parse(R"(2/admin["x"])", p), ParseStatus::kBadNamespace);  // unterminated
  EXPECT_EQ(parse(R"(29007199254740993["x"])", p), ParseStatus::kBadAckId);
  EXPECT_EQ(parse(R"(2{"x":1})", p), ParseStatus::kBadData);  // an event is an array
  EXPECT_EQ(parse("2", p), ParseStatus::kBadData);
  EXPECT_EQ(parse(R"(0["x"])", p), ParseStatus::kBadData);
  EXPECT_EQ(parse("1x", p), ParseStatus::kBadData);
}

TEST(SocketIoPacket, EncodesWhatTheServerSends) {
  std::string out;
  append(out, Packet{PacketType::kConnect, 0, "/", false, 0, R"({"sid":"abc"})"});
  EXPECT_EQ(out, R"(0{"sid":"abc"})");
  out.clear();
  append(out, Packet{PacketType::kConnectError, 0, "/", false, 0, R"({"message":"invalid token"})"});
  EXPECT_EQ(out, R"(4{"message":"invalid token"})");
  out.clear();
  append(out, Packet{PacketType::kAck, 0, "/chat", true, 12, R"(["ok"])"});
  EXPECT_EQ(out, R"(3/chat,12["ok"])");
  out.clear();
  append(out, Packet{PacketType::kBinaryEvent, 2, "/", false, 0, R"(["f",{"_placeholder":true,"num":0}])"});
  EXPECT_EQ(out, R"(52-["f",{"_placeholder":true,"num":0}])");
  Packet back;
  ASSERT_EQ(parse(out, back), ParseStatus::kOk);
  EXPECT_EQ(back.attachments, 2u);
}

}  // namespace sb::protocol::socketio

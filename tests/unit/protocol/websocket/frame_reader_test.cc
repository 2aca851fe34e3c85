#include "protocol/websocket/frame_reader.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sb::protocol::websocket {

namespace {

// Builds a masked client frame.
std::string client_frame(uint8_t first_byte, std::string_view payload, bool masked = true) {
  std::string f;
  f.push_back(static_cast<char>(first_byte));
  uint8_t mask_bit = masked ? 0x80 : 0;
  if (payload.size() < 126) {
    f.push_back(static_cast<char>(mask_bit | payload.size()));
  } else if (payload.size() <= 0xFFFF) {
    f.push_back(static_cast<char>(mask_bit | 126));
    f.push_back(static_cast<char>(payload.size() >> 8));
    f.push_back(static_cast<char>(payload.size() & 0xFF));
  } else {
    f.push_back(static_cast<char>(mask_bit | 127));
    for (int i = 7; i >= 0; --i) f.push_back(static_cast<char>((uint64_t{payload.size()} >> (8 * i)) & 0xFF));
  }
  const char key[4] = {0x12, 0x34, 0x56, 0x78};
  if (masked) f.append(key, 4);
  for (size_t i = 0; i < payload.size(); ++i) f.push_back(masked ? static_cast<char>(payload[i] ^ key[i % 4]) : payload[i]);
  return f;
}

struct Recorder : FrameSink {
  std::vector<std::pair<Opcode, std::string>> messages;
  std::vector<std::string> pings;
  std::vector<std::pair<uint16_t, std::string>> closes;
  void on_message(Opcode op, uint8_t* data, size_t length) override {
    messages.emplace_back(op, std::string(reinterpret_cast<char*>(data), length));
  }
  void on_ping(const uint8_t* data, size_t length) override { pings.emplace_back(reinterpret_cast<const char*>(data), length); }
  void on_pong(const uint8_t*, size_t) override {}
  void on_close_frame(uint16_t code, std::string_view reason) override { closes.emplace_back(code, std::string(reason)); }
};

ReadResult feed(FrameReader& r, std::string bytes, Recorder& sink) {
  return r.feed(reinterpret_cast<uint8_t*>(bytes.data()), bytes.size(), sink);
}

}  // namespace

TEST(FrameReader, DeliversMaskedTextMessage) {
  FrameReader reader(1024);
  Recorder sink;
  ASSERT_TRUE(feed(reader, client_frame(0x81, "hello"), sink).ok);
  ASSERT_EQ(sink.messages.size(), 1u);
  EXPECT_EQ(sink.messages[0].second, "hello");
}

TEST(FrameReader, Handles16And64BitLengths) {
  FrameReader reader(1 << 20);
  Recorder sink;
  std::string medium(300, 'm'), large(70000, 'L');
  ASSERT_TRUE(feed(reader, client_frame(0x82, medium) + client_frame(0x82, large), sink).ok);
  ASSERT_EQ(sink.messages.size(), 2u);
  EXPECT_EQ(sink.messages[0].second, medium);
  EXPECT_EQ(sink.messages[1].second, large);
}

TEST(FrameReader, ReassemblesFramesSplitAcrossReadsAtEveryByte) {
  std::string bytes = client_frame(0x81, std::string(200, 'x')) + client_frame(0x89, "p");
  for (size_t split = 1; split < bytes.size(); ++split) {
    FrameReader reader(1024);
    Recorder sink;
    ASSERT_TRUE(feed(reader, bytes.substr(0, split), sink).ok);
    ASSERT_TRUE(feed(reader, bytes.substr(split), sink).ok);
    ASSERT_EQ(sink.messages.size(), 1u) << split;
    ASSERT_EQ(sink.pings.size(), 1u) << split;
  }
}

TEST(FrameReader, JoinsFragmentsWithControlFramesInBetween) {
  FrameReader reader(1024);
  Recorder sink;
  std::string bytes = client_frame(0x01, "frag") + client_frame(0x89, "ping") + client_frame(0x00, "men") +
                      client_frame(0x80, "ted");
  ASSERT_TRUE(feed(reader, bytes, sink).ok);
  ASSERT_EQ(sink.pings.size(), 1u);
  ASSERT_EQ(sink.messages.size(), 1u);
  EXPECT_EQ(sink.messages[0].second, "fragmented");
}

TEST(FrameReader, ProtocolViolationsGive1002) {
  struct Case {
    const char* name;
    std::string bytes;
  };
  std::vector<Case> cases = {
      {"unmasked", client_frame(0x81, "x", false)},
      {"rsv1", client_frame(0xC1, "x")},
      {"reserved opcode 3", client_frame(0x83, "")},
      {"reserved opcode 11", client_frame(0x8B, "")},
      {"fragmented ping", client_frame(0x09, "")},
      {"long ping", client_frame(0x89, std::string(126, 'p'))},
      {"continuation first", client_frame(0x80, "x")},
      {"text inside fragments", client_frame(0x01, "a") + client_frame(0x81, "b")},
      {"close of one byte", client_frame(0x88, "\x03")},
      {"close code 1005", client_frame(0x88, "\x03\xed")},
      {"close code 999", client_frame(0x88, "\x03\xe7")},
  };
  for (auto& c : cases) {
    FrameReader reader(1024);
    Recorder sink;
    ReadResult r = feed(reader, c.bytes, sink);
    EXPECT_FALSE(r.ok) << c.name;
    EXPECT_EQ(r.code, CloseCode::kProtocolError) << c.name;
    EXPECT_TRUE(sink.messages.empty()) << c.name;
  }
}

TEST(FrameReader, InvalidUtf8Gives1007EvenBeforeTheLastFragment) {
  FrameReader reader(1024);
  Recorder sink;
  ReadResult r = feed(reader, client_frame(0x01, "ok \xed\xa0\x80"), sink);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.code, CloseCode::kInvalidPayload);

  FrameReader reader2(1024);
  ReadResult r2 = feed(reader2, client_frame(0x88, std::string("\x03\xe8\xff", 3)), sink);
  EXPECT_EQ(r2.code, CloseCode::kInvalidPayload);  // close reason must be UTF-8 too
}

TEST(FrameReader, OversizeIsRefusedFromTheHeaderWith1009) {
  FrameReader reader(100);
  Recorder sink;
  std::string frame = client_frame(0x81, std::string(101, 'x'));
  ReadResult r = feed(reader, frame.substr(0, 8), sink);  // header only
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.code, CloseCode::kMessageTooBig);

  FrameReader fragments(100);
  ReadResult r2 = feed(fragments, client_frame(0x01, std::string(60, 'a')) + client_frame(0x80, std::string(60, 'b')), sink);
  EXPECT_EQ(r2.code, CloseCode::kMessageTooBig);
}

TEST(FrameReader, CloseFrameStopsReading) {
  FrameReader reader(1024);
  Recorder sink;
  ASSERT_TRUE(feed(reader, client_frame(0x88, "\x03\xe8" "bye") + client_frame(0x81, "after"), sink).ok);
  ASSERT_EQ(sink.closes.size(), 1u);
  EXPECT_EQ(sink.closes[0].first, 1000);
  EXPECT_EQ(sink.closes[0].second, "bye");
  EXPECT_TRUE(sink.messages.empty());
}

TEST(FrameReader, EmptyCloseReportsNoStatus) {
  FrameReader reader(1024);
  Recorder sink;
  ASSERT_TRUE(feed(reader, client_frame(0x88, ""), sink).ok);
  EXPECT_EQ(sink.closes.at(0).first, 1005);
}

}  // namespace sb::protocol::websocket

#include "protocol/websocket/permessage_deflate.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <string>

#include "protocol/websocket/frame.h"

namespace sb::protocol::websocket {

namespace {

std::string negotiated(std::string_view offers, DeflateSettings settings = {}) {
  DeflateParams params;
  std::string response;
  return negotiate_deflate(offers, settings, params, response) ? response : "declined";
}

// A client's deflate stream: each message as the client writes it (zlib, sync flush, the
// trailer removed), its window carried from one message to the next.
class ClientDeflater {
 public:
  explicit ClientDeflater(int window_bits = 15) { deflateInit2(&stream_, 6, Z_DEFLATED, -window_bits, 8, Z_DEFAULT_STRATEGY); }
  ~ClientDeflater() { deflateEnd(&stream_); }
  std::string next(std::string_view text) {
    std::string out(deflateBound(&stream_, text.size()) + 16, '\0');
    stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
    stream_.avail_in = static_cast<uInt>(text.size());
    stream_.next_out = reinterpret_cast<Bytef*>(out.data());
    stream_.avail_out = static_cast<uInt>(out.size());
    deflate(&stream_, Z_SYNC_FLUSH);
    out.resize(out.size() - stream_.avail_out - 4);
    return out;
  }

 private:
  z_stream stream_{};
};

std::string client_deflate(std::string_view text, int window_bits = 15) { return ClientDeflater(window_bits).next(text); }

}  // namespace

TEST(PermessageDeflate, NegotiatesWithoutContextsByDefault) {
  EXPECT_EQ(negotiated("permessage-deflate"), "permessage-deflate; server_no_context_takeover; client_no_context_takeover");
  EXPECT_EQ(negotiated("permessage-deflate; client_max_window_bits"),
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover");
  EXPECT_EQ(negotiated("permessage-deflate; server_max_window_bits=10"),
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10");
  EXPECT_EQ(negotiated("permessage-deflate;server_max_window_bits=\"9\""),
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9");
}

TEST(PermessageDeflate, ContextsOnlyWhenOptedInAndNotRefused) {
  DeflateSettings kept;
  kept.server_context_takeover = true;
  kept.client_context_takeover = true;
  EXPECT_EQ(negotiated("permessage-deflate", kept), "permessage-deflate");
  EXPECT_EQ(negotiated("permessage-deflate; server_no_context_takeover; client_no_context_takeover", kept),
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover");
  DeflateSettings off;
  off.enabled = false;
  EXPECT_EQ(negotiated("permessage-deflate", off), "declined");
}

TEST(PermessageDeflate, DeclinesInvalidOffersAndTakesTheNextValidOne) {
  for (const char* bad : {"permessage-deflate; server_max_window_bits", "permessage-deflate; server_max_window_bits=16",
                          "permessage-deflate; server_max_window_bits=07", "permessage-deflate; client_max_window_bits=7",
                          "permessage-deflate; unknown", "permessage-deflate; client_no_context_takeover=yes",
                          "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
                          "permessage-deflate;", "deflate-frame", ""}) {
    EXPECT_EQ(negotiated(bad), "declined") << bad;
  }
  EXPECT_EQ(negotiated("permessage-deflate; x=1, permessage-deflate; server_max_window_bits=12"),
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=12");
}

TEST(PermessageDeflate, InflatesClientMessagesWithinTheLimit) {
  std::string text(10000, 'a');
  std::string packed = client_deflate(text);
  std::string out;
  EXPECT_EQ(MessageInflater::shared().inflate(reinterpret_cast<const uint8_t*>(packed.data()), packed.size(), 20000, out),
            InflateStatus::kOk);
  EXPECT_EQ(out, text);
  EXPECT_EQ(MessageInflater::shared().inflate(reinterpret_cast<const uint8_t*>(packed.data()), packed.size(), 9999, out),
            InflateStatus::kTooBig);
  // The shared inflater starts afresh with each message, after a failure as well.
  EXPECT_EQ(MessageInflater::shared().inflate(reinterpret_cast<const uint8_t*>(packed.data()), packed.size(), 10000, out),
            InflateStatus::kOk);
  const uint8_t corrupt[] = {0x07, 0xff, 0x00};
  EXPECT_EQ(MessageInflater::shared().inflate(corrupt, sizeof(corrupt), 1000, out), InflateStatus::kCorrupt);
  std::string small_window = client_deflate(std::string(3000, 'x') + "tail", 9);
  EXPECT_EQ(MessageInflater::shared().inflate(reinterpret_cast<const uint8_t*>(small_window.data()),
                                              small_window.size(), 10000, out),
            InflateStatus::kOk);
  EXPECT_EQ(out, std::string(3000, 'x') + "tail");
}

TEST(PermessageDeflate, ContextTakeoverCarriesTheWindowAcrossMessages) {
  // Two messages from one client stream: the second refers back into the first.
  ClientDeflater client;
  std::string first = client.next("the quick brown fox jumps over the lazy dog");
  std::string second = client.next("the quick brown fox jumps over the lazy dog");
  MessageInflater inflater(true);
  EXPECT_EQ(inflater.memory_bytes(), 0u);
  std::string out;
  ASSERT_EQ(inflater.inflate(reinterpret_cast<const uint8_t*>(first.data()), first.size(), 1000, out), InflateStatus::kOk);
  ASSERT_EQ(inflater.inflate(reinterpret_cast<const uint8_t*>(second.data()), second.size(), 1000, out), InflateStatus::kOk);
  EXPECT_EQ(out, "the quick brown fox jumps over the lazy dog");
  EXPECT_GT(inflater.memory_bytes(), 32768u);
}

TEST(PermessageDeflate, SharedFrameIsTheSameMessageCompressed) {
  std::string body(2000, 'z');
  std::string frame;
  append_frame(frame, Opcode::kText, body);
  std::string compressed;
  compress_frame(frame, compressed);
  ASSERT_FALSE(compressed.empty());
  EXPECT_EQ(static_cast<uint8_t>(compressed[0]), 0xC1);  // FIN, RSV1, text
  size_t length = static_cast<uint8_t>(compressed[1]);
  ASSERT_LT(length, 126u);
  std::string out;
  ASSERT_EQ(MessageInflater::shared().inflate(reinterpret_cast<const uint8_t*>(compressed.data()) + 2, length, 1 << 20, out),
            InflateStatus::kOk);
  EXPECT_EQ(out, body);
  // Random bytes do not shrink: the frame is left to go uncompressed.
  std::string noise;
  uint32_t state = 2463534242u;  // xorshift: no repeats for deflate to find
  for (int i = 0; i < 500; ++i) {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    noise.push_back(static_cast<char>(state >> 24));
  }
  std::string noisy_frame;
  append_frame(noisy_frame, Opcode::kBinary, noise);
  compress_frame(noisy_frame, compressed);
  EXPECT_TRUE(compressed.empty());
}

TEST(PermessageDeflate, EightBitServerWindowSendsPlain) {
  std::string out;
  EXPECT_FALSE(deflate_message(std::string(1000, 'a'), 8, out));
  EXPECT_TRUE(deflate_message(std::string(1000, 'a'), 9, out));
  EXPECT_LT(out.size(), 100u);
}

}  // namespace sb::protocol::websocket

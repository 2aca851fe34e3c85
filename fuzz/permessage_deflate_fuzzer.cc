// permessage-deflate's parsers: the Sec-WebSocket-Extensions negotiation, and compressed
// client frames through the frame reader and its inflater (with and without a context
// kept across messages), with a small message limit so that bombs stop early.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/websocket/frame_reader.h"
#include "protocol/websocket/permessage_deflate.h"

namespace {
namespace ws = sb::protocol::websocket;

struct Sink : ws::FrameSink {
  size_t bytes = 0;
  void on_message(ws::Opcode, uint8_t* data, size_t length) override {
    for (size_t i = 0; i < length; ++i) bytes += data[i];
  }
  void on_ping(const uint8_t*, size_t length) override { bytes += length; }
  void on_pong(const uint8_t*, size_t length) override { bytes += length; }
  void on_close_frame(uint16_t code, std::string_view reason) override { bytes += code + reason.size(); }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  uint8_t mode = data[0] % 3;
  std::vector<uint8_t> input(data + 1, data + size);
  if (mode == 0) {
    ws::DeflateSettings settings;
    settings.client_context_takeover = (data[0] & 0x10) != 0;
    ws::DeflateParams params;
    std::string response;
    ws::negotiate_deflate(std::string_view(reinterpret_cast<const char*>(input.data()), input.size()), settings,
                          params, response);
    return 0;
  }
  if (mode == 1) {
    ws::MessageInflater inflater((data[0] & 0x10) != 0);
    ws::FrameReader reader(64 * 1024);
    reader.set_inflater(&inflater);
    Sink sink;
    reader.feed(input.data(), input.size(), sink);
    return 0;
  }
  // The inflater alone, twice over the same bytes (a context carried between messages).
  ws::MessageInflater inflater(true);
  std::string out;
  inflater.inflate(input.data(), input.size(), 64 * 1024, out);
  inflater.inflate(input.data(), input.size(), 64 * 1024, out);
  return 0;
}

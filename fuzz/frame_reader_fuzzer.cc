// Feeds arbitrary bytes, split at a fuzzer-chosen point, through the WebSocket frame reader.
#include <cstdint>
#include <cstring>
#include <vector>

#include "protocol/websocket/frame_reader.h"

namespace {
struct Sink : sb::protocol::websocket::FrameSink {
  size_t bytes = 0;
  void on_message(sb::protocol::websocket::Opcode, uint8_t* data, size_t length) override {
    // Touch every byte so the sanitizer checks the range the reader handed out.
    for (size_t i = 0; i < length; ++i) bytes += data[i];
  }
  void on_ping(const uint8_t* data, size_t length) override { bytes += length ? data[length - 1] : 0; }
  void on_pong(const uint8_t*, size_t length) override { bytes += length; }
  void on_close_frame(uint16_t code, std::string_view reason) override { bytes += code + reason.size(); }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  size_t split = data[0] % (size);
  std::vector<uint8_t> input(data + 1, data + size);
  sb::protocol::websocket::FrameReader reader(64 * 1024);
  Sink sink;
  size_t first = split < input.size() ? split : input.size();
  auto r = reader.feed(input.data(), first, sink);
  if (r.ok) reader.feed(input.data() + first, input.size() - first, sink);
  return 0;
}

// Engine.IO polling payloads and packets from the fuzzer: splitting and parsing must never
// crash, and a binary packet must survive an encode/decode round trip.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "protocol/engineio/engineio_packet.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace eio = sb::protocol::engineio;
  std::string_view body(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> packets;
  if (!eio::split_payload(body, 64, packets)) return 0;
  std::string scratch;
  for (std::string_view text : packets) {
    eio::Packet p;
    if (eio::parse_text_packet(text, p, scratch) != eio::ParseStatus::kOk || !p.binary) continue;
    std::string bytes(p.data);
    std::string encoded;
    eio::append_base64_packet(encoded, bytes);
    eio::Packet again;
    std::string scratch2;
    if (eio::parse_text_packet(encoded, again, scratch2) != eio::ParseStatus::kOk || again.data != bytes) std::abort();
  }
  return 0;
}

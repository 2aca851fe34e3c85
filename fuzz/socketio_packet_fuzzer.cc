// Socket.IO packets from the fuzzer: parsing must never crash, and whatever parses must
// encode back to a packet that parses to the same fields.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "protocol/socketio/socketio_packet.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace sio = sb::protocol::socketio;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  sio::Packet p;
  if (sio::parse(text, p) != sio::ParseStatus::kOk) return 0;
  std::string encoded;
  sio::append(encoded, p);
  sio::Packet again;
  if (sio::parse(encoded, again) != sio::ParseStatus::kOk) std::abort();
  bool same = again.type == p.type && again.attachments == p.attachments && again.nsp == p.nsp &&
              again.has_id == p.has_id && again.id == p.id && again.data == p.data;
  if (!same) std::abort();
  return 0;
}

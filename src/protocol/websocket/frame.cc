#include "protocol/websocket/frame.h"

namespace sb::protocol::websocket {

size_t write_frame_header(uint8_t* out, Opcode opcode, uint64_t length, bool fin) {
  out[0] = static_cast<uint8_t>((fin ? 0x80 : 0x00) | static_cast<uint8_t>(opcode));
  if (length < 126) {
    out[1] = static_cast<uint8_t>(length);
    return 2;
  }
  if (length <= 0xFFFF) {
    out[1] = 126;
    out[2] = static_cast<uint8_t>(length >> 8);
    out[3] = static_cast<uint8_t>(length);
    return 4;
  }
  out[1] = 127;
  for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<uint8_t>(length >> (56 - 8 * i));
  return 10;
}

void append_frame(std::string& out, Opcode opcode, std::string_view payload, bool fin) {
  uint8_t header[kMaxServerHeader];
  size_t n = write_frame_header(header, opcode, payload.size(), fin);
  out.append(reinterpret_cast<const char*>(header), n);
  out.append(payload);
}

void append_close_frame(std::string& out, uint16_t code, std::string_view reason) {
  if (reason.size() > 123) reason = reason.substr(0, 123);
  std::string payload;
  payload.push_back(static_cast<char>(code >> 8));
  payload.push_back(static_cast<char>(code & 0xFF));
  payload.append(reason);
  append_frame(out, Opcode::kClose, payload);
}

}  // namespace sb::protocol::websocket

#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sb::protocol::websocket {

enum class Opcode : uint8_t {
  kContinuation = 0x0,
  kText = 0x1,
  kBinary = 0x2,
  kClose = 0x8,
  kPing = 0x9,
  kPong = 0xA,
};

constexpr bool is_control(uint8_t opcode) { return (opcode & 0x8) != 0; }

// Largest header a server (unmasked) frame can have: 2 + 8 bytes.
inline constexpr size_t kMaxServerHeader = 10;

// Writes an unmasked server frame header for a payload of `length` bytes into out[0..10)
// and returns the header size.
size_t write_frame_header(uint8_t* out, Opcode opcode, uint64_t length, bool fin = true);
// The header size of an unmasked server frame that starts at frame (at least 2 bytes).
inline size_t server_frame_header_size(std::string_view frame) {
  size_t length_code = static_cast<uint8_t>(frame[1]) & 0x7F;
  return length_code == 126 ? 4 : length_code == 127 ? 10 : 2;
}
// Appends a complete unmasked server frame (header + payload) to out.
void append_frame(std::string& out, Opcode opcode, std::string_view payload, bool fin = true);
// Appends a Close frame with a status code and a reason (truncated to fit 125 bytes).
void append_close_frame(std::string& out, uint16_t code, std::string_view reason);

}  // namespace sb::protocol::websocket

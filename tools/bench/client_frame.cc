#include "client_frame.h"

namespace sb::bench {

namespace {
constexpr uint8_t kMask[4] = {0x37, 0xfa, 0x21, 0x3d};
}  // namespace

void append_client_frame(std::string& out, uint8_t opcode, std::string_view payload) {
  out.push_back(static_cast<char>(0x80 | opcode));
  if (payload.size() < 126) {
    out.push_back(static_cast<char>(0x80 | payload.size()));
  } else if (payload.size() <= 0xFFFF) {
    out.push_back(static_cast<char>(0x80 | 126));
    out.push_back(static_cast<char>(payload.size() >> 8));
    out.push_back(static_cast<char>(payload.size() & 0xFF));
  } else {
    out.push_back(static_cast<char>(0x80 | 127));
    for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((uint64_t{payload.size()} >> (8 * i)) & 0xFF));
  }
  out.append(reinterpret_cast<const char*>(kMask), 4);
  size_t start = out.size();
  out.append(payload);
  for (size_t i = 0; i < payload.size(); ++i) out[start + i] = static_cast<char>(out[start + i] ^ kMask[i & 3]);
}

}  // namespace sb::bench

#include "protocol/websocket/utf8_validator.h"

#include <cstring>

namespace sb::protocol::websocket {

bool Utf8Validator::feed(const uint8_t* data, size_t length) {
  size_t i = 0;
  while (i < length) {
    if (remaining_ == 0) {
      // Fast path: skip 8 ASCII bytes at a time.
      while (i + 8 <= length) {
        uint64_t word;
        std::memcpy(&word, data + i, 8);
        if (word & 0x8080808080808080ULL) break;
        i += 8;
      }
      if (i >= length) break;
      uint8_t b = data[i++];
      if (b < 0x80) continue;
      low_ = 0x80;
      high_ = 0xBF;
      if (b >= 0xC2 && b <= 0xDF) {
        remaining_ = 1;
      } else if (b >= 0xE0 && b <= 0xEF) {
        remaining_ = 2;
        if (b == 0xE0) low_ = 0xA0;       // overlong 3-byte forms
        else if (b == 0xED) high_ = 0x9F;  // UTF-16 surrogates
      } else if (b >= 0xF0 && b <= 0xF4) {
        remaining_ = 3;
        if (b == 0xF0) low_ = 0x90;       // overlong 4-byte forms
        else if (b == 0xF4) high_ = 0x8F;  // above U+10FFFF
      } else {
        return false;
      }
      continue;
    }
    uint8_t b = data[i++];
    if (b < low_ || b > high_) return false;
    --remaining_;
    low_ = 0x80;
    high_ = 0xBF;
  }
  return true;
}

bool is_valid_utf8(std::string_view text) {
  Utf8Validator v;
  return v.feed(reinterpret_cast<const uint8_t*>(text.data()), text.size()) && v.complete();
}

}  // namespace sb::protocol::websocket

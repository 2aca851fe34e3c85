#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sb::protocol::websocket {

// Streaming UTF-8 validator (RFC 3629: no overlongs, no surrogates, max U+10FFFF). Feed a
// message in pieces of any size; it fails at the first byte that cannot start or continue a
// valid sequence, so fragmented text is rejected as early as possible.
class Utf8Validator {
 public:
  // Returns false once the input so far cannot be a prefix of valid UTF-8.
  bool feed(const uint8_t* data, size_t length);
  // True when the input so far is complete UTF-8 (no sequence left open).
  bool complete() const { return remaining_ == 0; }
  void reset() { remaining_ = 0; low_ = 0x80; high_ = 0xBF; }

 private:
  uint8_t remaining_ = 0;  // continuation bytes still expected
  uint8_t low_ = 0x80;     // allowed range of the next continuation byte
  uint8_t high_ = 0xBF;
};

// Validates a whole string at once.
bool is_valid_utf8(std::string_view text);

}  // namespace sb::protocol::websocket

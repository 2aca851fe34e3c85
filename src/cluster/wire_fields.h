#pragma once
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

// The primitives of the cluster's encodings (publications, presence records, the stores'
// records): LEB128 varints, length-prefixed fields, and the decimal numbers Redis answers.
namespace sb::cluster::wire {

inline void put_varint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out += static_cast<char>((value & 0x7f) | 0x80);
    value >>= 7;
  }
  out += static_cast<char>(value);
}

inline void put_field(std::string& out, std::string_view field) {
  put_varint(out, field.size());
  out.append(field);
}

// Reads from the front of `in`, advancing it; false when the bytes run out or are malformed.
inline bool get_varint(std::string_view& in, uint64_t& value) {
  value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (in.empty()) return false;
    auto byte = static_cast<uint8_t>(in.front());
    in.remove_prefix(1);
    value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

inline bool get_field(std::string_view& in, std::string& field) {
  uint64_t size = 0;
  if (!get_varint(in, size) || size > in.size()) return false;
  field.assign(in.substr(0, size));
  in.remove_prefix(size);
  return true;
}

// A whole decimal number filling all of text (no sign for unsigned types, nothing after).
template <typename Number>
bool parse_decimal(std::string_view text, Number& out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace sb::cluster::wire

#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "json/iso8601.h"

namespace sb::json {

// Appends text as a JSON string literal (quotes included), escaping as RFC 8259 requires;
// bytes that are not well-formed UTF-8 are written as U+FFFD, so the output is always
// valid UTF-8 whatever text holds.
void append_string(std::string& out, std::string_view text);

// Whether text is well-formed UTF-8 (RFC 3629: no overlongs, surrogates or values past
// U+10FFFF).
bool is_valid_utf8(std::string_view text);

// Small builder for JSON objects written straight into a string, used for every message
// the server renders. Keys are trusted literals; values are escaped.
class ObjectWriter {
 public:
  explicit ObjectWriter(std::string& out) : out_(out) { out_ += '{'; }
  ObjectWriter& string(std::string_view key, std::string_view value);
  ObjectWriter& number(std::string_view key, int64_t value);
  ObjectWriter& boolean(std::string_view key, bool value);
  // value must already be valid JSON text (an object, array, number...).
  ObjectWriter& raw(std::string_view key, std::string_view json_value);
  ObjectWriter& null(std::string_view key);
  // Closes the object; the writer must not be used afterwards.
  void end() { out_ += '}'; }

 private:
  void key(std::string_view k);
  std::string& out_;
  bool first_ = true;
};

// A JSON array of strings: ["a","b"].
std::string string_array(const std::vector<std::string>& items);

}  // namespace sb::json

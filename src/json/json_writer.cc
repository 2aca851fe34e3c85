#include "json/json_writer.h"

#include <ctime>

namespace sb::json {

void append_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  size_t run_start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.data() + run_start, i - run_start);
    run_start = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 15];
    }
  }
  out.append(text.data() + run_start, text.size() - run_start);
  out += '"';
}

void ObjectWriter::key(std::string_view k) {
  if (!first_) out_ += ',';
  first_ = false;
  out_ += '"';
  out_ += k;
  out_ += "\":";
}

ObjectWriter& ObjectWriter::string(std::string_view k, std::string_view value) {
  key(k);
  append_string(out_, value);
  return *this;
}

ObjectWriter& ObjectWriter::number(std::string_view k, int64_t value) {
  key(k);
  out_ += std::to_string(value);
  return *this;
}

ObjectWriter& ObjectWriter::boolean(std::string_view k, bool value) {
  key(k);
  out_ += value ? "true" : "false";
  return *this;
}

ObjectWriter& ObjectWriter::raw(std::string_view k, std::string_view json_value) {
  key(k);
  out_ += json_value;
  return *this;
}

ObjectWriter& ObjectWriter::null(std::string_view k) {
  key(k);
  out_ += "null";
  return *this;
}

std::string string_array(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    append_string(out, items[i]);
  }
  return out + "]";
}

std::string iso8601(uint64_t epoch_ms) {
  time_t seconds = static_cast<time_t>(epoch_ms / 1000);
  tm parts;
  gmtime_r(&seconds, &parts);
  char buf[32];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &parts);
  std::string out(buf, n);
  char ms[8];
  int millis = static_cast<int>(epoch_ms % 1000);
  ms[0] = '.';
  ms[1] = static_cast<char>('0' + millis / 100);
  ms[2] = static_cast<char>('0' + (millis / 10) % 10);
  ms[3] = static_cast<char>('0' + millis % 10);
  ms[4] = 'Z';
  out.append(ms, 5);
  return out;
}

}  // namespace sb::json

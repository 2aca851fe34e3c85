#include "dialects/socketio/recovery_offset.h"

#include <openssl/rand.h>

#include <charconv>

#include "auth/base64url.h"

namespace sb::dialects::socketio {

namespace {

constexpr size_t kMaxEpoch = 64;
constexpr size_t kMaxOffsetText = 4096;  // a handful of channels; anything longer is not ours

}  // namespace

bool is_plain_epoch(std::string_view epoch) {
  if (epoch.empty() || epoch.size() > kMaxEpoch) return false;
  for (char c : epoch) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string format_positions(const std::vector<hub::StreamPosition>& positions) {
  std::string out;
  append_positions(out, positions);
  return out;
}

void append_positions(std::string& out, const std::vector<hub::StreamPosition>& positions) {
  for (size_t i = 0; i < positions.size(); ++i) {
    if (i != 0) out += ',';
    char digits[20];
    auto [end, error] = std::to_chars(digits, digits + sizeof(digits), positions[i].offset);
    (void)error;  // 20 digits hold any uint64_t
    out.append(digits, end);
    out += ':';
    out += positions[i].epoch;
  }
}

bool parse_positions(std::string_view text, size_t expected, std::vector<hub::StreamPosition>& out) {
  out.clear();
  if (expected == 0 || text.size() > kMaxOffsetText) return false;
  while (true) {
    size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    size_t colon = item.find(':');
    if (colon == std::string_view::npos || colon == 0) return false;
    hub::StreamPosition position;
    auto [end, error] = std::from_chars(item.data(), item.data() + colon, position.offset);
    if (error != std::errc() || end != item.data() + colon) return false;
    std::string_view epoch = item.substr(colon + 1);
    if (!is_plain_epoch(epoch)) return false;
    position.epoch = epoch;
    out.push_back(std::move(position));
    if (out.size() > expected) return false;
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out.size() == expected;
}

std::string new_pid(const std::vector<hub::StreamPosition>& positions) {
  unsigned char random[12];
  RAND_bytes(random, sizeof(random));
  return auth::base64url_encode(std::string_view(reinterpret_cast<const char*>(random), sizeof(random))) + "." +
         format_positions(positions);
}

bool pid_positions(std::string_view pid, size_t expected, std::vector<hub::StreamPosition>& out) {
  size_t dot = pid.find('.');
  if (dot == std::string_view::npos) return false;
  return parse_positions(pid.substr(dot + 1), expected, out);
}

}  // namespace sb::dialects::socketio

#include "dialects/socketio/session_id.h"

#include <openssl/rand.h>

#include "auth/base64url.h"

namespace sb::dialects::socketio {

namespace {
constexpr size_t kRandomBytes = 18;
constexpr size_t kRandomChars = 24;  // base64url of 18 bytes, no padding
constexpr size_t kNodeChars = 8;

bool is_base64url(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}
bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }
}  // namespace

std::string make_session_id(size_t loop, std::string_view node) {
  unsigned char random[kRandomBytes];
  RAND_bytes(random, sizeof(random));
  std::string sid = std::to_string(loop);
  sid += '.';
  sid += node;
  sid += '.';
  sid += auth::base64url_encode(std::string_view(reinterpret_cast<const char*>(random), sizeof(random)));
  return sid;
}

std::optional<size_t> parse_loop_prefix(std::string_view text) {
  size_t dot = text.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot > 4) return std::nullopt;
  size_t loop = 0;
  for (size_t i = 0; i < dot; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    loop = loop * 10 + static_cast<size_t>(text[i] - '0');
  }
  return loop;
}

std::optional<SessionIdParts> parse_session_id(std::string_view sid) {
  auto loop = parse_loop_prefix(sid);
  if (!loop) return std::nullopt;
  SessionIdParts parts;
  parts.loop = *loop;
  std::string_view rest = sid.substr(sid.find('.') + 1);
  if (rest.size() != kNodeChars + 1 + kRandomChars || rest[kNodeChars] != '.') return std::nullopt;
  parts.node = rest.substr(0, kNodeChars);
  for (char c : parts.node) {
    if (!is_hex(c)) return std::nullopt;
  }
  for (char c : rest.substr(kNodeChars + 1)) {
    if (!is_base64url(c)) return std::nullopt;
  }
  return parts;
}

}  // namespace sb::dialects::socketio

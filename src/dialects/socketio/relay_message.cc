#include "dialects/socketio/relay_message.h"

namespace sb::dialects::socketio {

namespace {

bool known_kind(char c) {
  switch (static_cast<RelayKind>(c)) {
    case RelayKind::kPoll:
    case RelayKind::kPost:
    case RelayKind::kPollGone:
    case RelayKind::kSocketOpen:
    case RelayKind::kSocketFrame:
    case RelayKind::kSocketGone:
    case RelayKind::kAnswer:
    case RelayKind::kSocketSend:
    case RelayKind::kSocketEnd:
      return true;
  }
  return false;
}

// Takes the text up to the next newline from rest; false when there is none.
bool take_line(std::string_view& rest, std::string_view& line) {
  size_t end = rest.find('\n');
  if (end == std::string_view::npos) return false;
  line = rest.substr(0, end);
  rest.remove_prefix(end + 1);
  return true;
}

}  // namespace

std::string encode_relay_message(const RelayMessage& m) {
  std::string out;
  out.reserve(m.sid.size() + m.ref.size() + m.content_type.size() + m.body.size() + 16);
  out += static_cast<char>(m.kind);
  out += m.sid;
  out += '\n';
  out += m.ref;
  out += '\n';
  out += std::to_string(m.kind == RelayKind::kAnswer ? m.status : (m.binary ? 1 : 0));
  out += '\n';
  out += m.content_type;
  out += '\n';
  out += m.body;
  return out;
}

bool decode_relay_message(std::string_view text, RelayMessage& out) {
  if (text.empty() || !known_kind(text.front())) return false;
  out = RelayMessage{};
  out.kind = static_cast<RelayKind>(text.front());
  std::string_view rest = text.substr(1);
  std::string_view number;
  if (!take_line(rest, out.sid) || !take_line(rest, out.ref) || !take_line(rest, number) ||
      !take_line(rest, out.content_type)) {
    return false;
  }
  if (number.empty() || number.size() > 3) return false;
  int value = 0;
  for (char c : number) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  if (out.kind == RelayKind::kAnswer) {
    if (value < 100 || value > 599) return false;
    out.status = value;
  } else {
    if (value > 1) return false;
    out.binary = value == 1;
  }
  out.body = rest;
  return true;
}

}  // namespace sb::dialects::socketio

#include "protocol/socketio/socketio_packet.h"

namespace sb::protocol::socketio {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The first character of the JSON data, skipping the whitespace JSON allows before it.
char data_opening(std::string_view data) {
  for (char c : data) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return c;
  }
  return 0;
}

bool data_fits(PacketType type, std::string_view data) {
  char opening = data_opening(data);
  switch (type) {
    case PacketType::kEvent:
    case PacketType::kBinaryEvent:
    case PacketType::kAck:
    case PacketType::kBinaryAck:
      return opening == '[';
    case PacketType::kConnect:
      return opening == 0 || opening == '{';
    case PacketType::kConnectError:
      return opening == '{';
    case PacketType::kDisconnect:
      return opening == 0;
  }
  return false;
}

}  // namespace

ParseStatus parse(std::string_view text, Packet& out, const Limits& limits) {
  out = Packet{};
  if (text.empty()) return ParseStatus::kEmpty;
  if (text[0] < '0' || text[0] > '6') return ParseStatus::kUnknownType;
  out.type = static_cast<PacketType>(text[0] - '0');
  size_t i = 1;
  bool binary = out.type == PacketType::kBinaryEvent || out.type == PacketType::kBinaryAck;
  if (binary) {
    uint64_t count = 0;
    size_t start = i;
    while (i < text.size() && is_digit(text[i]) && i - start < 10) count = count * 10 + static_cast<uint64_t>(text[i++] - '0');
    if (i == start || i >= text.size() || text[i] != '-' || count > limits.max_attachments) {
      return ParseStatus::kBadAttachments;
    }
    out.attachments = static_cast<uint32_t>(count);
    ++i;
  }
  if (i < text.size() && text[i] == '/') {
    size_t comma = text.find(',', i);
    if (comma == std::string_view::npos || comma - i > limits.max_namespace) return ParseStatus::kBadNamespace;
    out.nsp = text.substr(i, comma - i);
    i = comma + 1;
  }
  if (i < text.size() && is_digit(text[i])) {
    uint64_t id = 0;
    while (i < text.size() && is_digit(text[i])) {
      id = id * 10 + static_cast<uint64_t>(text[i++] - '0');
      if (id > kMaxAckId) return ParseStatus::kBadAckId;
    }
    out.has_id = true;
    out.id = id;
  }
  out.data = text.substr(i);
  if (!data_fits(out.type, out.data)) return ParseStatus::kBadData;
  return ParseStatus::kOk;
}

void append(std::string& out, const Packet& packet) {
  out += static_cast<char>('0' + static_cast<int>(packet.type));
  if (packet.type == PacketType::kBinaryEvent || packet.type == PacketType::kBinaryAck) {
    out += std::to_string(packet.attachments);
    out += '-';
  }
  if (!packet.nsp.empty() && packet.nsp != "/") {
    out += packet.nsp;
    out += ',';
  }
  if (packet.has_id) out += std::to_string(packet.id);
  out += packet.data;
}

std::string_view to_string(ParseStatus status) {
  switch (status) {
    case ParseStatus::kOk: return "ok";
    case ParseStatus::kEmpty: return "empty packet";
    case ParseStatus::kUnknownType: return "unknown packet type";
    case ParseStatus::kBadAttachments: return "invalid attachment count";
    case ParseStatus::kBadNamespace: return "invalid namespace";
    case ParseStatus::kBadAckId: return "invalid ack id";
    case ParseStatus::kBadData: return "payload of the wrong shape for the packet type";
  }
  return "invalid packet";
}

}  // namespace sb::protocol::socketio

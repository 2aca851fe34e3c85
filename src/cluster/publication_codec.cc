#include "cluster/publication_codec.h"

#include <charconv>
#include <cstring>

#include "cluster/wire_fields.h"

namespace sb::cluster {

namespace {
constexpr char kVersion = 1;
constexpr size_t kMaxEpochLength = 64;
constexpr uint8_t kEchoToSender = 1;
constexpr uint8_t kKeepInHistory = 2;

using wire::get_field;
using wire::get_varint;
using wire::put_field;
using wire::put_varint;
}  // namespace

std::string encode_publication(const hub::Publication& p) {
  std::string out;
  out.reserve(64 + p.id.size() + p.channel.size() + p.event_type.size() + p.data.size() + p.metadata.size() +
              p.client_metadata.size() + p.sender_user_id.size() + p.sender_name.size() +
              p.sender_connection_id.size());
  out += kVersion;
  for (std::string_view field : {std::string_view(p.id), std::string_view(p.channel), std::string_view(p.event_type),
                                 std::string_view(p.data), std::string_view(p.metadata),
                                 std::string_view(p.client_metadata), std::string_view(p.sender_user_id),
                                 std::string_view(p.sender_name), std::string_view(p.sender_connection_id)}) {
    put_field(out, field);
  }
  uint8_t flags = (p.echo_to_sender ? kEchoToSender : 0) | (p.keep_in_history ? kKeepInHistory : 0);
  out += static_cast<char>(flags);
  put_varint(out, p.time_ms);
  // Optional and last, so that a publication without one keeps the first format.
  if (!p.sender_correlation_id.empty()) put_field(out, p.sender_correlation_id);
  return out;
}

std::shared_ptr<hub::Publication> decode_message(std::string_view message) {
  // "<offset> <epoch> <body>"
  size_t space = message.find(' ');
  if (space == std::string_view::npos) return nullptr;
  uint64_t offset = 0;
  auto [end, ec] = std::from_chars(message.data(), message.data() + space, offset);
  if (ec != std::errc() || end != message.data() + space) return nullptr;
  message.remove_prefix(space + 1);
  space = message.find(' ');
  if (space == std::string_view::npos || space > kMaxEpochLength) return nullptr;
  std::string_view epoch = message.substr(0, space);
  std::string_view body = message.substr(space + 1);
  if (body.empty() || body.front() != kVersion) return nullptr;
  body.remove_prefix(1);
  auto p = std::make_shared<hub::Publication>();
  for (std::string* field : {&p->id, &p->channel, &p->event_type, &p->data, &p->metadata, &p->client_metadata,
                             &p->sender_user_id, &p->sender_name, &p->sender_connection_id}) {
    if (!get_field(body, *field)) return nullptr;
  }
  if (body.empty()) return nullptr;
  auto flags = static_cast<uint8_t>(body.front());
  body.remove_prefix(1);
  if (!get_varint(body, p->time_ms)) return nullptr;
  if (!body.empty() && (!get_field(body, p->sender_correlation_id) || !body.empty())) return nullptr;
  if (p->channel.empty() || p->data.empty()) return nullptr;
  p->echo_to_sender = (flags & kEchoToSender) != 0;
  p->keep_in_history = (flags & kKeepInHistory) != 0;
  if (offset != 0) {
    p->offset = offset;
    p->epoch = epoch;
  }
  return p;
}

}  // namespace sb::cluster

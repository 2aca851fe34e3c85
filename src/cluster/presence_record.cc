#include "cluster/presence_record.h"

#include <algorithm>

#include "cluster/wire_fields.h"

namespace sb::cluster {

namespace {
constexpr char kVersion = 1;
}  // namespace

std::string encode_member(const hub::PresenceMember& m) {
  std::string out;
  out.reserve(32 + m.user_id.size() + m.name.size() + m.avatar.size() + m.status.size() + m.activity.size());
  out += kVersion;
  for (std::string_view field : {std::string_view(m.user_id), std::string_view(m.name), std::string_view(m.avatar),
                                 std::string_view(m.status), std::string_view(m.activity)}) {
    wire::put_field(out, field);
  }
  for (uint64_t number : {uint64_t{m.connections}, m.joined_at_ms, m.last_seen_ms, m.status_ms}) {
    wire::put_varint(out, number);
  }
  return out;
}

bool decode_member(std::string_view in, hub::PresenceMember& out) {
  if (in.empty() || in.front() != kVersion) return false;
  in.remove_prefix(1);
  for (std::string* field : {&out.user_id, &out.name, &out.avatar, &out.status, &out.activity}) {
    if (!wire::get_field(in, *field)) return false;
  }
  uint64_t connections = 0;
  if (!wire::get_varint(in, connections) || connections > UINT32_MAX) return false;
  out.connections = static_cast<uint32_t>(connections);
  for (uint64_t* number : {&out.joined_at_ms, &out.last_seen_ms, &out.status_ms}) {
    if (!wire::get_varint(in, *number)) return false;
  }
  return in.empty() && !out.user_id.empty();
}

void merge_member(hub::PresenceMember& into, const hub::PresenceMember& from) {
  into.connections += from.connections;
  if (from.joined_at_ms != 0 && (into.joined_at_ms == 0 || from.joined_at_ms < into.joined_at_ms)) {
    into.joined_at_ms = from.joined_at_ms;
  }
  into.last_seen_ms = std::max(into.last_seen_ms, from.last_seen_ms);
  if (from.status_ms > into.status_ms) {
    into.status = from.status;
    into.activity = from.activity;
    into.status_ms = from.status_ms;
  }
  if (into.name.empty()) into.name = from.name;
  if (into.avatar.empty()) into.avatar = from.avatar;
}

std::string member_field(std::string_view user_id, std::string_view node_id) {
  std::string out(user_id);
  out += '\n';
  out += node_id;
  return out;
}

bool split_member_field(std::string_view field, std::string_view& user_id, std::string_view& node_id) {
  size_t at = field.rfind('\n');
  if (at == std::string_view::npos || at == 0 || at + 1 == field.size()) return false;
  user_id = field.substr(0, at);
  node_id = field.substr(at + 1);
  return true;
}

}  // namespace sb::cluster

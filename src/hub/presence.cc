#include "hub/presence.h"

#include "hub/topic.h"

namespace sb::hub {

bool PresenceTracker::tracks(std::string_view channel) const {
  for (const auto& pattern : patterns_) {
    if (pattern_matches(pattern, channel)) return true;
  }
  return false;
}

bool PresenceTracker::join(std::string_view channel, const PresenceMember& who, uint64_t now_ms) {
  std::lock_guard lock(mutex_);
  auto& users = channels_[std::string(channel)];
  auto [it, inserted] = users.try_emplace(who.user_id, who);
  PresenceMember& m = it->second;
  if (inserted) {
    m.connections = 0;
    m.joined_at_ms = now_ms;
  }
  ++m.connections;
  m.last_seen_ms = now_ms;
  return m.connections == 1;
}

bool PresenceTracker::leave(std::string_view channel, std::string_view user_id, uint64_t now_ms) {
  std::lock_guard lock(mutex_);
  auto c = channels_.find(std::string(channel));
  if (c == channels_.end()) return false;
  auto u = c->second.find(std::string(user_id));
  if (u == c->second.end()) return false;
  u->second.last_seen_ms = now_ms;
  if (--u->second.connections > 0) return false;
  c->second.erase(u);
  if (c->second.empty()) channels_.erase(c);
  return true;
}

void PresenceTracker::touch(std::string_view channel, std::string_view user_id, uint64_t now_ms) {
  std::lock_guard lock(mutex_);
  auto c = channels_.find(std::string(channel));
  if (c == channels_.end()) return;
  auto u = c->second.find(std::string(user_id));
  if (u != c->second.end()) u->second.last_seen_ms = now_ms;
}

std::vector<PresenceMember> PresenceTracker::members(std::string_view channel) const {
  std::lock_guard lock(mutex_);
  std::vector<PresenceMember> out;
  auto c = channels_.find(std::string(channel));
  if (c == channels_.end()) return out;
  for (const auto& [id, member] : c->second) out.push_back(member);
  return out;
}

}  // namespace sb::hub

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
    ++users_[who.user_id].channels;
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
  auto state = users_.find(u->first);
  if (state != users_.end() && --state->second.channels == 0) users_.erase(state);
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

bool PresenceTracker::set_status(std::string_view user_id, std::string status, std::string activity,
                                 uint64_t now_ms) {
  std::lock_guard lock(mutex_);
  auto state = users_.find(std::string(user_id));
  if (state == users_.end()) return false;
  state->second.status = std::move(status);
  state->second.activity = std::move(activity);
  state->second.updated_ms = now_ms;
  return true;
}

std::vector<PresenceMember> PresenceTracker::members(std::string_view channel) const {
  std::lock_guard lock(mutex_);
  std::vector<PresenceMember> out;
  auto c = channels_.find(std::string(channel));
  if (c == channels_.end()) return out;
  for (const auto& [id, member] : c->second) {
    out.push_back(member);
    auto state = users_.find(id);
    if (state == users_.end()) continue;
    out.back().status = state->second.status;
    out.back().activity = state->second.activity;
    if (state->second.updated_ms > out.back().last_seen_ms) out.back().last_seen_ms = state->second.updated_ms;
  }
  return out;
}

}  // namespace sb::hub

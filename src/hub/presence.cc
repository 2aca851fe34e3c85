#include "hub/presence.h"

#include "hub/broker.h"
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
  return join_locked(channel, who, now_ms);
}

bool PresenceTracker::join_locked(std::string_view channel, const PresenceMember& who, uint64_t now_ms) {
  auto c = channels_.try_emplace(std::string(channel)).first;
  auto [it, inserted] = c->second.try_emplace(who.user_id, who);
  PresenceMember& m = it->second;
  if (inserted) {
    m.connections = 0;
    m.joined_at_ms = now_ms;
    users_[who.user_id].channels.push_back(&c->first);
  }
  ++m.connections;
  m.last_seen_ms = now_ms;
  return m.connections == 1;
}

bool PresenceTracker::leave(std::string_view channel, std::string_view user_id, uint64_t now_ms) {
  std::lock_guard lock(mutex_);
  return leave_locked(channel, user_id, now_ms, nullptr);
}

bool PresenceTracker::leave_locked(std::string_view channel, std::string_view user_id, uint64_t now_ms,
                                   PresenceMember* after) {
  auto c = channels_.find(std::string(channel));
  if (c == channels_.end()) return false;
  auto u = c->second.find(std::string(user_id));
  if (u == c->second.end()) return false;
  u->second.last_seen_ms = now_ms;
  --u->second.connections;
  if (after != nullptr) *after = snapshot(u->second);
  if (u->second.connections > 0) return false;
  auto state = users_.find(u->first);
  if (state != users_.end()) {
    std::erase(state->second.channels, &c->first);
    if (state->second.channels.empty()) users_.erase(state);
  }
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
  if (cluster_ != nullptr) report_user(user_id);
  return true;
}

PresenceMember PresenceTracker::snapshot(const PresenceMember& member) const {
  PresenceMember out = member;
  auto state = users_.find(member.user_id);
  if (state != users_.end()) {
    out.status = state->second.status;
    out.activity = state->second.activity;
    out.status_ms = state->second.updated_ms;
    if (state->second.updated_ms > out.last_seen_ms) out.last_seen_ms = state->second.updated_ms;
  }
  return out;
}

void PresenceTracker::report_user(std::string_view user_id) {
  auto state = users_.find(std::string(user_id));
  if (state == users_.end()) return;
  for (const std::string* channel : state->second.channels) {
    const auto& users = channels_.find(*channel)->second;
    auto u = users.find(state->first);
    if (u != users.end()) cluster_->update(*channel, snapshot(u->second), Broker::kNoOrigin, {});
  }
}

void PresenceTracker::join(std::string_view channel, const PresenceMember& who, uint64_t now_ms, size_t origin,
                           std::function<void(bool joined)> done) {
  bool first_here;
  {
    std::lock_guard lock(mutex_);
    first_here = join_locked(channel, who, now_ms);
    if (cluster_ != nullptr) {
      const PresenceMember& member = channels_[std::string(channel)][who.user_id];
      cluster_->update(std::string(channel), snapshot(member), origin,
                       [done = std::move(done)](PresenceCluster::Change change) {
                         done(change == PresenceCluster::Change::kJoined);
                       });
      return;
    }
  }
  done(first_here);
}

void PresenceTracker::leave(std::string_view channel, std::string_view user_id, uint64_t now_ms, size_t origin,
                            std::function<void(bool left)> done) {
  bool last_here;
  {
    std::lock_guard lock(mutex_);
    PresenceMember gone;
    last_here = leave_locked(channel, user_id, now_ms, &gone);
    if (cluster_ != nullptr && !gone.user_id.empty()) {
      cluster_->update(std::string(channel), gone, origin, [done = std::move(done)](PresenceCluster::Change change) {
        done(change == PresenceCluster::Change::kLeft);
      });
      return;
    }
  }
  done(last_here);
}

void PresenceTracker::members(std::string_view channel, size_t origin, PresenceCluster::MembersDone done) const {
  if (cluster_ != nullptr) {
    cluster_->members(channel, origin, std::move(done));
    return;
  }
  done(members(channel));
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

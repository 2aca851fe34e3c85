#include "hub/connection_registry.h"

#include <algorithm>

namespace sb::hub {

void ConnectionRegistry::link(ConnectionInfo* info) {
  if (!info->user_id.empty()) by_user_[info->user_id].push_back(info);
}

void ConnectionRegistry::unlink(ConnectionInfo* info) {
  if (info->user_id.empty()) return;
  auto user = by_user_.find(info->user_id);
  if (user == by_user_.end()) return;
  std::erase(user->second, info);
  if (user->second.empty()) by_user_.erase(user);
}

bool ConnectionRegistry::try_add(ConnectionInfo* info, uint32_t max_per_user) {
  std::lock_guard lock(mutex_);
  if (!info->user_id.empty() && max_per_user != 0) {
    auto user = by_user_.find(info->user_id);
    if (user != by_user_.end() && user->second.size() >= max_per_user) return false;
  }
  link(info);
  ++connections_;
  return true;
}

bool ConnectionRegistry::set_user(ConnectionInfo* info, std::string user_id, uint32_t max_per_user) {
  std::lock_guard lock(mutex_);
  if (info->user_id == user_id) return true;
  if (max_per_user != 0) {
    auto user = by_user_.find(user_id);
    if (user != by_user_.end() && user->second.size() >= max_per_user) return false;
  }
  unlink(info);
  info->user_id = std::move(user_id);
  link(info);
  return true;
}

void ConnectionRegistry::remove(ConnectionInfo* info) {
  std::lock_guard lock(mutex_);
  unlink(info);
  --connections_;
}

std::vector<ConnectionInfo> ConnectionRegistry::of_user(std::string_view user_id) const {
  std::lock_guard lock(mutex_);
  std::vector<ConnectionInfo> out;
  auto user = by_user_.find(std::string(user_id));
  if (user == by_user_.end()) return out;
  for (const ConnectionInfo* info : user->second) out.push_back(*info);
  return out;
}

size_t ConnectionRegistry::connection_count() const {
  std::lock_guard lock(mutex_);
  return connections_;
}

size_t ConnectionRegistry::user_count() const {
  std::lock_guard lock(mutex_);
  return by_user_.size();
}

}  // namespace sb::hub

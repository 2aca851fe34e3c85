#include "hub/connection_registry.h"

#include <algorithm>

namespace sb::hub {

void ConnectionRegistry::link_user(ConnectionInfo* info) {
  if (!info->user_id.empty()) by_user_[info->user_id].push_back(info);
}

void ConnectionRegistry::unlink_user(ConnectionInfo* info) {
  if (info->user_id.empty()) return;
  auto user = by_user_.find(info->user_id);
  if (user == by_user_.end()) return;
  std::erase(user->second, info);
  if (user->second.empty()) by_user_.erase(user);
}

uint32_t ConnectionRegistry::add(ConnectionInfo info) {
  std::lock_guard lock(mutex_);
  auto record = std::make_unique<ConnectionInfo>(std::move(info));
  ConnectionInfo* raw = record.get();
  by_id_[raw->connection_id] = std::move(record);
  link_user(raw);
  return raw->user_id.empty() ? 0 : static_cast<uint32_t>(by_user_[raw->user_id].size());
}

bool ConnectionRegistry::try_add(ConnectionInfo info, uint32_t max_per_user) {
  std::lock_guard lock(mutex_);
  if (!info.user_id.empty() && max_per_user != 0) {
    auto user = by_user_.find(info.user_id);
    if (user != by_user_.end() && user->second.size() >= max_per_user) return false;
  }
  auto record = std::make_unique<ConnectionInfo>(std::move(info));
  ConnectionInfo* raw = record.get();
  by_id_[raw->connection_id] = std::move(record);
  link_user(raw);
  return true;
}

bool ConnectionRegistry::set_user(std::string_view connection_id, std::string user_id, uint32_t max_per_user) {
  std::lock_guard lock(mutex_);
  auto it = by_id_.find(connection_id);
  if (it == by_id_.end()) return false;
  ConnectionInfo* info = it->second.get();
  if (info->user_id == user_id) return true;
  if (max_per_user != 0) {
    auto user = by_user_.find(user_id);
    if (user != by_user_.end() && user->second.size() >= max_per_user) return false;
  }
  unlink_user(info);
  info->user_id = std::move(user_id);
  link_user(info);
  return true;
}

void ConnectionRegistry::remove(std::string_view connection_id) {
  std::lock_guard lock(mutex_);
  auto it = by_id_.find(connection_id);
  if (it == by_id_.end()) return;
  unlink_user(it->second.get());
  by_id_.erase(it);
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
  return by_id_.size();
}

size_t ConnectionRegistry::user_count() const {
  std::lock_guard lock(mutex_);
  return by_user_.size();
}

}  // namespace sb::hub

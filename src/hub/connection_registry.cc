#include "hub/connection_registry.h"

#include <algorithm>

namespace sb::hub {

void ConnectionRegistry::link(ConnectionInfo* info, ClusterCheck& check) {
  if (info->user_id.empty()) return;
  auto& mine = by_user_[info->user_id];
  mine.push_back(info);
  if (cluster_ != nullptr) {
    cluster_->added(*info, check.origin, std::move(check.done));
    check.done = nullptr;  // the cluster answers it
  }
}

void ConnectionRegistry::unlink(ConnectionInfo* info) {
  if (info->user_id.empty()) return;
  if (cluster_ != nullptr) cluster_->removed(*info);
  auto user = by_user_.find(info->user_id);
  if (user == by_user_.end()) return;
  std::erase(user->second, info);
  if (user->second.empty()) by_user_.erase(user);
}

bool ConnectionRegistry::try_add(ConnectionInfo* info, uint32_t max_per_user, ClusterCheck check) {
  uint32_t here = 0;
  {
    std::lock_guard lock(mutex_);
    if (!info->user_id.empty() && max_per_user != 0) {
      auto user = by_user_.find(info->user_id);
      if (user != by_user_.end() && user->second.size() >= max_per_user) return false;
    }
    link(info, check);
    ++connections_;
    if (!info->user_id.empty()) here = static_cast<uint32_t>(by_user_[info->user_id].size());
  }
  if (check.done) check.done(here);
  return true;
}

bool ConnectionRegistry::set_user(ConnectionInfo* info, std::string user_id, uint32_t max_per_user,
                                  ClusterCheck check) {
  uint32_t here = 0;
  {
    std::lock_guard lock(mutex_);
    if (info->user_id != user_id) {
      if (max_per_user != 0) {
        auto user = by_user_.find(user_id);
        if (user != by_user_.end() && user->second.size() >= max_per_user) return false;
      }
      unlink(info);
      info->user_id = std::move(user_id);
      link(info, check);
    }
    auto user = by_user_.find(info->user_id);
    if (user != by_user_.end()) here = static_cast<uint32_t>(user->second.size());
  }
  if (check.done) check.done(here);
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

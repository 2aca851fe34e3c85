#include "hub/connection_registry.h"

#include <algorithm>

namespace sb::hub {

void ConnectionRegistry::link(ConnectionInfo* info, ClusterCheck& check) {
  if (info->user_id.empty()) return;
  // The newcomer heads the user's chain.
  if (ConnectionInfo* head = by_user_.find(info->user_id)) {
    info->next_of_user = head;
    by_user_.replace(info);
  } else {
    info->next_of_user = nullptr;
    by_user_.insert(info);
  }
  if (cluster_ != nullptr) {
    cluster_->added(*info, check.origin, std::move(check.done));
    check.done = nullptr;  // the cluster answers it
  }
}

void ConnectionRegistry::unlink(ConnectionInfo* info) {
  if (info->user_id.empty()) return;
  if (cluster_ != nullptr) cluster_->removed(*info);
  ConnectionInfo* head = by_user_.find(info->user_id);
  if (head == info) {
    if (info->next_of_user != nullptr) {
      by_user_.replace(info->next_of_user);
    } else {
      by_user_.erase(info->user_id);
    }
  } else {
    ConnectionInfo* before = head;
    while (before != nullptr && before->next_of_user != info) before = before->next_of_user;
    if (before == nullptr) return;  // not linked
    before->next_of_user = info->next_of_user;
  }
  info->next_of_user = nullptr;
}

uint32_t ConnectionRegistry::count_of(std::string_view user_id) const {
  uint32_t n = 0;
  for (const ConnectionInfo* c = by_user_.find(user_id); c != nullptr; c = c->next_of_user) ++n;
  return n;
}

bool ConnectionRegistry::try_add(ConnectionInfo* info, uint32_t max_per_user, ClusterCheck check) {
  uint32_t here = 0;
  {
    std::lock_guard lock(mutex_);
    if (!info->user_id.empty() && max_per_user != 0 && count_of(info->user_id) >= max_per_user) return false;
    link(info, check);
    ++connections_;
    if (!info->user_id.empty()) here = count_of(info->user_id);
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
      if (max_per_user != 0 && count_of(user_id) >= max_per_user) return false;
      unlink(info);
      info->user_id = std::move(user_id);
      link(info, check);
    }
    here = count_of(info->user_id);
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
  for (const ConnectionInfo* c = by_user_.find(user_id); c != nullptr; c = c->next_of_user) {
    out.push_back(*c);
    out.back().next_of_user = nullptr;
  }
  std::reverse(out.begin(), out.end());  // the chain is newest first; the list oldest first
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

#include "hub/channel_occupancy.h"

namespace sb::hub {

void ChannelOccupancy::set_capacity(std::string channel, uint32_t capacity) {
  std::lock_guard lock(mutex_);
  channels_[std::move(channel)].capacity = capacity;
}

uint32_t ChannelOccupancy::capacity(std::string_view channel) const {
  std::lock_guard lock(mutex_);
  auto it = channels_.find(std::string(channel));
  return it == channels_.end() ? 0 : it->second.capacity;
}

bool ChannelOccupancy::try_join(std::string_view channel, ClusterCheck check) {
  std::lock_guard lock(mutex_);
  Entry& e = channels_[std::string(channel)];
  if (e.capacity != 0 && e.members >= e.capacity) return false;
  ++e.members;
  // Only capacities need the cluster's count; other channels' totals go with the stats.
  if (cluster_ != nullptr && e.capacity != 0) cluster_->joined(channel, check.origin, std::move(check.done));
  return true;
}

void ChannelOccupancy::leave(std::string_view channel) {
  std::lock_guard lock(mutex_);
  auto it = channels_.find(std::string(channel));
  if (it == channels_.end() || it->second.members == 0) return;
  if (cluster_ != nullptr && it->second.capacity != 0) cluster_->left(channel);
  if (--it->second.members == 0 && it->second.capacity == 0) channels_.erase(it);
}

uint32_t ChannelOccupancy::members(std::string_view channel) const {
  std::lock_guard lock(mutex_);
  auto it = channels_.find(std::string(channel));
  return it == channels_.end() ? 0 : it->second.members;
}

std::vector<std::pair<std::string, uint32_t>> ChannelOccupancy::snapshot() const {
  std::lock_guard lock(mutex_);
  std::vector<std::pair<std::string, uint32_t>> out;
  for (const auto& [name, e] : channels_) {
    if (e.members > 0) out.emplace_back(name, e.members);
  }
  return out;
}

}  // namespace sb::hub

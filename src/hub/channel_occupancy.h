#pragma once
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "hub/cluster_check.h"

namespace sb::hub {

// The cluster-wide side of room capacity (a cluster store such as Redis): each node
// reports its members of the channels that have a capacity, and learns how many the whole
// cluster holds when one joins.
class OccupancyCluster {
 public:
  virtual ~OccupancyCluster() = default;
  // A place was taken here in channel. done (optional) runs on loop `origin` with the
  // channel's members on every node at that moment, this one included. Called in order,
  // from any thread, with the occupancy's lock held.
  virtual void joined(std::string_view channel, size_t origin, ClusterCheck::CountDone done) = 0;
  virtual void left(std::string_view channel) = 0;
};

// Members per concrete channel across all loops and dialects, with optional capacities
// (a room's maxConnections). Touched on join and leave only, never per message, so one
// mutex serves all loops. In a cluster, the channels with a capacity are reported to it.
class ChannelOccupancy {
 public:
  // Sets the capacity of a channel (0 = unlimited). Done at start-up.
  void set_capacity(std::string channel, uint32_t capacity);
  // The cluster store, when clustered (not owned; set before loops run).
  void set_cluster(OccupancyCluster* cluster) { cluster_ = cluster; }
  // The channel's capacity (0 = unlimited). Fixed once loops run.
  uint32_t capacity(std::string_view channel) const;
  // Whether a place in channel is counted by the cluster too: try_join's check is answered.
  bool checks_cluster(std::string_view channel) const { return cluster_ != nullptr && capacity(channel) != 0; }
  // Takes a place in channel; false when this node alone fills it (nothing is taken
  // then). When checks_cluster(channel), check.done then runs with the members of the
  // whole cluster, which the caller compares with capacity() and, above it, leaves.
  bool try_join(std::string_view channel, ClusterCheck check = {});
  void leave(std::string_view channel);
  uint32_t members(std::string_view channel) const;
  // Every channel with at least one member, with its member count.
  std::vector<std::pair<std::string, uint32_t>> snapshot() const;

 private:
  struct Entry {
    uint32_t members = 0;
    uint32_t capacity = 0;
  };
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> channels_;
  OccupancyCluster* cluster_ = nullptr;
};

}  // namespace sb::hub

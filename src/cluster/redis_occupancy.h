#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cluster/broker_scope.h"
#include "cluster/redis_link.h"
#include "hub/channel_occupancy.h"
#include "hub/hub.h"
#include "transport/event_loop.h"

namespace sb::cluster {

// Room capacity across the cluster, in Redis: each node's members of a channel that has a
// capacity, as one hash per channel (node -> members) on the instance the channel hashes
// to, and per instance the channels each node holds there (what the presence reaper walks
// when a node dies). A join adds this node's place and answers the channel's members on
// every node in one Lua script, which is what the capacity is compared with. Runs on the
// broker's loop.
class RedisOccupancy final : public hub::OccupancyCluster {
 public:
  explicit RedisOccupancy(BrokerScope scope);

  // hub::OccupancyCluster (any thread).
  void joined(std::string_view channel, size_t origin, hub::ClusterCheck::CountDone done) override;
  void left(std::string_view channel) override;

  // On the broker's loop: an instance is (again) reachable: this node's counts there are
  // replaced by what it holds now (a restarted Redis lost them; leaves sent while it was
  // unreachable never arrived).
  void on_ready(size_t shard);
  void stop() { stopped_ = true; }

 private:
  // Moves this node's members of channel by delta; answer(members of the cluster), this
  // node's alone when Redis cannot be reached.
  void send(const std::string& channel, int delta, std::function<void(uint32_t)> answer);

  BrokerScope scope_;
  // This node's members per channel, on the broker's loop, written again after a restart.
  std::unordered_map<std::string, uint32_t> members_;
  bool stopped_ = false;
};

}  // namespace sb::cluster

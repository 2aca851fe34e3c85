#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cluster/broker_scope.h"
#include "cluster/redis_link.h"
#include "hub/connection_registry.h"
#include "hub/hub.h"
#include "transport/event_loop.h"

namespace sb::cluster {

// The connection registry of a cluster, in Redis: every named user's connections as records
// (connection id -> "<node> <connected at> <dialect>") in one hash per user, on the instance
// the user's id hashes to, so that a count or a list covers every node in one read, and a
// per-instance count of distinct users. Adding a record answers the user's count at that
// moment (one Lua script), which is what a connection limit compares. Each node also keeps
// its totals (connections, messages per second, room members) in a stats table on the
// first instance, refreshed every second. A dead node's records and totals go when the
// presence reaper (RedisPresence) removes the node. Runs on the broker's loop.
class RedisRegistry final : public hub::RegistryCluster {
 public:
  // This node's totals: ("connections", n), ("mps", n), ("room:<name>", members)...
  using Snapshot = std::function<std::vector<std::pair<std::string, uint64_t>>()>;

  explicit RedisRegistry(BrokerScope scope);
  void set_snapshot(Snapshot snapshot) { snapshot_ = std::move(snapshot); }

  // hub::RegistryCluster (any thread).
  void added(const hub::ConnectionInfo& info, size_t origin, CountDone done) override;
  void removed(const hub::ConnectionInfo& info) override;
  void of_user(std::string_view user_id, size_t origin,
               std::function<void(std::vector<hub::ConnectionRecord>)> done) override;
  void stats(size_t origin, std::function<void(hub::ClusterStats)> done) override;

  // On the broker's loop: an instance is (again) reachable: this node's records written
  // again. tick(): this node's totals, about once a second.
  void on_ready(size_t shard);
  void tick(uint64_t now_ms);
  void stop() { stopped_ = true; }

 private:
  void send_add(const std::string& user_id, const std::string& connection_id, const std::string& record,
                std::function<void(uint32_t)> answer);
  // Runs task on loop origin (or here, for kNoOrigin) unless the broker stopped.
  void answer(size_t origin, std::function<void()> task);

  BrokerScope scope_;
  Snapshot snapshot_;
  // This node's records (user -> connection id -> record), written again after a restart.
  std::unordered_map<std::string, std::unordered_map<std::string, std::string>> records_;
  uint64_t last_stats_ms_ = 0;
  bool stopped_ = false;
};

}  // namespace sb::cluster

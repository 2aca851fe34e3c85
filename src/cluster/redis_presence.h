#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "cluster/redis_link.h"
#include "hub/hub.h"
#include "hub/presence.h"
#include "transport/event_loop.h"

namespace sb::cluster {

// Presence for a cluster, kept in Redis beside the channels (a channel's records live on the
// instance its publications use). Each node writes one record per (channel, user) it holds,
// and a per-channel count of the nodes holding each user, changed by one Lua script, so the
// first record of a user anywhere answers "joined" and the last one "left", once for the
// whole cluster. Every node refreshes its deadline in a per-instance table every second and
// reaps nodes whose deadline passed (a node that died without a goodbye), so their members
// leave within the TTL: their records go, and users they were the last holder of leave, with
// leave events published by the node that reaped them. Runs on the broker's loop; the links are the broker's.
// How far ahead (ms, as script text) a node's deadline is set for a presence TTL.
std::string node_deadline_ms(uint32_t ttl_ms);

class RedisPresence final : public hub::PresenceCluster {
 public:
  struct Settings {
    std::string prefix;      // before every key
    std::string node_id;     // this node
    uint32_t ttl_ms = 30000; // a silent node's members leave after this
  };
  // Who left because their node died: the channel and the user (on the broker's loop).
  using Departed = std::function<void(const std::string& channel, const std::string& user_id)>;

  // link(shard): the command link of a Redis instance (on the broker's loop).
  RedisPresence(hub::Hub& hub, transport::EventLoop& loop, std::function<RedisLink*(size_t)> link,
                size_t shard_count, Settings settings);
  void set_departed(Departed departed) { departed_ = std::move(departed); }
  // Who left a meeting because their node died (RedisMeetingStore's records): the meeting,
  // the user, their name and the users still in it (on the broker's loop).
  using MeetingDeparted = std::function<void(const std::string& meeting_id, const std::string& user_id,
                                             const std::string& name, uint32_t users)>;
  void set_meeting_departed(MeetingDeparted departed) { meeting_departed_ = std::move(departed); }

  // hub::PresenceCluster (any thread).
  void update(const std::string& channel, const hub::PresenceMember& member, size_t origin, ChangeDone done) override;
  void members(std::string_view channel, size_t origin, MembersDone done) override;

  // On the broker's loop: an instance's command link is (again) ready: the scripts, and this
  // node's records on it written again (Redis may have restarted empty).
  void on_ready(size_t shard);
  // On the broker's loop, about once a second: heartbeat and reaping when due.
  void tick(uint64_t now_ms);
  // The broker stopped: answers no longer reach any loop.
  void stop() { stopped_ = true; }

 private:
  void send_update(size_t shard, const std::string& channel, const std::string& user_id, const std::string& record,
                   std::function<void(Change)> answer);
  void answer_change(size_t origin, ChangeDone done, Change change);
  void answer_members(size_t origin, MembersDone done, std::vector<hub::PresenceMember> members);
  std::string key(std::string_view kind, std::string_view name) const;
  // How far ahead a heartbeat sets this node's deadline (ms, as script text).
  std::string deadline_ms() const;

  hub::Hub& hub_;
  transport::EventLoop& loop_;
  std::function<RedisLink*(size_t)> link_;
  size_t shard_count_;
  Settings settings_;
  Departed departed_;
  MeetingDeparted meeting_departed_;
  // This node's records (channel -> user -> record), for writing them again after Redis
  // restarts, and for lists while Redis is unreachable.
  std::unordered_map<std::string, std::unordered_map<std::string, std::string>> records_;
  uint64_t last_heartbeat_ms_ = 0;
  bool stopped_ = false;
};

}  // namespace sb::cluster

#pragma once
#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "cluster/redis_endpoint.h"
#include "cluster/redis_link.h"
#include "cluster/redis_occupancy.h"
#include "cluster/redis_presence.h"
#include "cluster/redis_registry.h"
#include "cluster/redis_relay.h"
#include "hub/broker.h"
#include "hub/hub.h"
#include "transport/event_loop.h"

namespace sb::cluster {

// The broker of a cluster: publications leave through Redis and come back from it, so every
// node (this one included) delivers each publication of a channel in the order Redis saw
// them. A channel that keeps history is published by a Lua script that numbers it, appends
// it to the channel's list and publishes it in one atomic step. The node subscribes in Redis
// to exactly the channels its clients hold (patterns through covering PSUBSCRIBE globs
// shared by every pattern with the same leading segments, covering_glob.h, the hub's trie
// deciding exactly). Channels are sharded over the Redis instances by a
// stable hash of their name. All Redis traffic runs on the broker's own loop thread.
class RedisBroker final : public hub::Broker {
 public:
  struct Settings {
    std::vector<RedisEndpoint> endpoints;
    std::string prefix = "switchboard:";  // before every key and Redis channel name
    uint32_t meta_ttl_s = 86400;           // how long an idle stream keeps its offset and epoch
    hub::RetentionLookup retention;
    size_t max_queued = 10000;             // publications held while Redis is unreachable
    uint32_t presence_ttl_ms = 30000;      // a silent node's presence members leave after this
    RedisPresence::Departed presence_departed;  // users who left because their node died
    RedisPresence::MeetingDeparted meeting_departed;  // the same for meetings
    RedisRegistry::Snapshot node_totals;        // this node's totals for the cluster's stats
  };

  // Checks that every instance answers and accepts the credentials (blocking, once, at
  // start-up), then starts the broker's loop. Null with an error naming the instance.
  static std::unique_ptr<RedisBroker> start(hub::Hub& hub, Settings settings, std::string& error);
  ~RedisBroker() override;

  void publish(std::shared_ptr<hub::Publication> publication, size_t origin, hub::PublishDone done) override;
  void await_pattern(std::string_view pattern, size_t origin, std::function<void()> done) override;
  void read_history(std::string_view channel, uint64_t after_offset, size_t limit, size_t origin,
                    hub::HistoryDone done) override;
  bool wants_interest() const override { return true; }
  void watch(std::string_view pattern) override;
  void unwatch(std::string_view pattern) override;
  std::string problem() const override;
  void shutdown() override;

  // Presence across the cluster, on the same instances and loop (RedisPresence).
  RedisPresence& presence() { return *presence_; }
  // The connection registry across the cluster (RedisRegistry).
  RedisRegistry& registry() { return *registry_; }
  // Messages to the other nodes (RedisRelay).
  RedisRelay& relay() { return *relay_; }
  // Room capacity across the cluster (RedisOccupancy).
  RedisOccupancy& occupancy() { return *occupancy_; }

  // Counters for /metrics (any thread).
  uint64_t errors() const { return errors_.load(std::memory_order_relaxed); }
  uint64_t reconnects() const { return reconnects_.load(std::memory_order_relaxed); }

  // Which of n instances holds a channel (a stable FNV-1a hash, the same on every node).
  static size_t shard_of(std::string_view channel, size_t shard_count);

 private:
  struct PendingRead {
    std::string channel;
    uint64_t after;
    size_t limit;
    size_t origin;
    hub::HistoryDone done;
  };
  struct OutgoingPublication {
    std::string channel;
    std::string body;
    hub::Retention retention;
    size_t origin = hub::Broker::kNoOrigin;
    hub::PublishDone done;  // a backend waiting for the answer (never queued)
  };
  struct Shard {
    std::unique_ptr<RedisLink> command;
    std::unique_ptr<RedisLink> subscriber;
    std::deque<OutgoingPublication> queued;  // while the command link is down
    std::unordered_map<std::string, uint32_t> pending_globs;  // PSUBSCRIBEs not yet confirmed
  };
  // Answers to await_pattern() waiting for a glob's PSUBSCRIBE on every instance.
  struct GlobWaiter {
    size_t origin;
    std::function<void()> done;
  };
  struct ExactWatch {
    bool confirmed = false;  // Redis confirmed the SUBSCRIBE
    std::vector<PendingRead> waiting;
    // The last numbered publication the node handed out, and after a dropped link the
    // catch-up from the history: live ones are held meanwhile.
    hub::StreamPosition delivered;
    bool gap = false;
    bool catching_up = false;
    std::vector<std::shared_ptr<hub::Publication>> held;
  };

  RedisBroker(hub::Hub& hub, Settings settings);
  // Everything below runs on the broker's loop.
  void connect_all();
  void send_publication(size_t shard, OutgoingPublication publication);
  void do_read(PendingRead read);
  // Reads a stream from Redis; done runs on the broker's loop.
  void read_stream(const std::string& channel, uint64_t after, size_t limit,
                   std::function<void(hub::HistoryResult)> done);
  // Replays to this node what a history channel published while its subscription was down.
  void catch_up(const std::string& channel);
  void deliver_publication(std::shared_ptr<hub::Publication> publication);
  void answer(PendingRead& read, hub::HistoryResult result);
  void accepted(OutgoingPublication& publication, bool ok, hub::StreamPosition position);
  void add_watch(const std::string& pattern);
  void remove_watch(const std::string& pattern);
  void subscribe_exact(const std::string& channel);
  void psubscribe(size_t shard, const std::string& glob);
  // Whether every reachable instance confirmed the glob's PSUBSCRIBE on its current
  // connection (one that is down is not waited for).
  bool glob_confirmed(const std::string& glob) const;
  // Answers the glob's waiters (all when `force`, else only once confirmed).
  void release_glob_waiters(const std::string& glob, bool force);
  void on_push(size_t shard, redisReply* reply);
  void on_subscriber_ready(size_t shard);
  void on_command_ready(size_t shard);
  void on_link_down(size_t shard, const std::string& reason);
  void deliver(std::string_view message);
  std::string key(std::string_view kind, std::string_view channel) const;

  hub::Hub& hub_;
  Settings settings_;
  transport::EventLoop loop_;
  std::thread thread_;
  std::vector<Shard> shards_;
  std::unique_ptr<RedisPresence> presence_;
  std::unique_ptr<RedisRegistry> registry_;
  std::unique_ptr<RedisRelay> relay_;
  std::unique_ptr<RedisOccupancy> occupancy_;
  std::unordered_map<std::string, ExactWatch> exact_;            // channels watched
  std::unordered_map<std::string, uint32_t> pending_subscribes_; // SUBSCRIBEs not yet confirmed
  std::unordered_map<std::string, std::string> patterns_;        // pattern -> glob
  std::unordered_map<std::string, uint32_t> globs_;              // glob -> patterns using it
  std::unordered_map<std::string, std::vector<GlobWaiter>> glob_waiters_;
  bool stopped_ = false;  // shutdown() is done: nothing reaches the hub any more
  std::atomic<uint64_t> errors_{0};
  std::atomic<uint64_t> reconnects_{0};
  std::atomic<uint32_t> links_down_{0};
  mutable std::mutex problem_mutex_;
  std::string last_problem_;
};

}  // namespace sb::cluster

#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "hub/broker.h"
#include "hub/pattern_trie.h"
#include "hub/publication.h"
#include "hub/subscriber.h"

namespace sb::hub {

// Counters a shard keeps about its own work; read by the metrics endpoint from any thread.
struct ShardCounters {
  std::atomic<uint64_t> publications{0};
  std::atomic<uint64_t> deliveries{0};
  std::atomic<uint64_t> subscriptions{0};
};

// The hub's part on one loop: that loop's subscriptions and an inbox of publications
// from other loops. Everything but enqueue() runs on the owning loop's thread.
class HubShard {
 public:
  // wake: thread-safe callback that makes the owning loop call drain_inbox() soon.
  explicit HubShard(std::function<void()> wake) : wake_(std::move(wake)) {}

  bool subscribe(Subscriber& subscriber, std::string_view pattern);
  bool unsubscribe(Subscriber& subscriber, std::string_view pattern);
  void unsubscribe_all(Subscriber& subscriber);
  // Delivers to every local subscriber whose patterns match, once each.
  void deliver(const PublicationPtr& publication);
  // Thread-safe: queues a publication from another loop.
  void enqueue(PublicationPtr publication);
  // Delivers everything queued by other loops, in arrival order.
  void drain_inbox();
  // Publications delivered since the last call (for publish-to-write latency after flush).
  std::vector<PublicationPtr>& delivered_this_turn() { return delivered_this_turn_; }

  const ShardCounters& counters() const { return counters_; }
  ShardCounters& counters() { return counters_; }

 private:
  PatternTrie trie_;
  std::function<void()> wake_;
  std::mutex inbox_mutex_;
  std::vector<PublicationPtr> inbox_;
  std::vector<PublicationPtr> draining_;
  std::vector<PublicationPtr> delivered_this_turn_;
  ShardCounters counters_;
};

// Routes publications to every shard. A publication is handed to each other loop once
// (one inbox push per loop, not per subscriber); there is no lock shared by all loops.
class Hub {
 public:
  // Starts with a memory broker that keeps no history.
  Hub();
  ~Hub();
  // Replaces the broker; done at start-up, before any loop runs.
  void set_broker(std::unique_ptr<Broker> broker) { broker_ = std::move(broker); }
  Broker& broker() { return *broker_; }

  // Adds a shard for one loop; done at start-up, before any loop runs.
  HubShard& add_shard(std::function<void()> wake);
  size_t shard_count() const { return shards_.size(); }
  HubShard& shard(size_t index) { return *shards_[index]; }
  const HubShard& shard(size_t index) const { return *shards_[index]; }

  // Publishes from the thread of shard `origin` (Broker::kNoOrigin from any other thread)
  // through the broker, which numbers it when its channel keeps history and hands it back
  // through fan_out() on every node.
  void publish(std::shared_ptr<Publication> publication, size_t origin);
  // Delivers a publication the broker accepted: shard `origin` delivers it now (on its own
  // thread), every other loop on its next turn. With Broker::kNoOrigin every loop gets it
  // through its inbox, so publications fanned out in some order arrive in that order.
  void fan_out(const PublicationPtr& publication, size_t origin);
  // Allocates a node-unique publication id ("<node>-<counter>").
  std::string next_publication_id();

  uint64_t total_publications() const;
  uint64_t total_deliveries() const;
  uint64_t total_subscriptions() const;

 private:
  std::vector<std::unique_ptr<HubShard>> shards_;
  std::unique_ptr<Broker> broker_;
  std::atomic<uint64_t> id_counter_{0};
  std::string node_prefix_ = make_node_prefix();
  static std::string make_node_prefix();
};

}  // namespace sb::hub

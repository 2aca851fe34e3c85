#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "hub/broker.h"
#include "hub/node_relay.h"
#include "hub/pattern_trie.h"
#include "hub/personal_channels.h"
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
class Hub;

class HubShard {
 public:
  // wake: thread-safe callback that makes the owning loop call drain_inbox() soon.
  HubShard(std::function<void()> wake, Hub& hub);

  bool subscribe(Subscriber& subscriber, std::string_view pattern);
  bool unsubscribe(Subscriber& subscriber, std::string_view pattern);
  // Removes every subscription of subscriber, its personal channels included.
  void unsubscribe_all(Subscriber& subscriber);
  // Makes subscriber hear `$all`, and `$authenticated` and `user:<user>` as
  // PersonalChannels::add() says (user must outlive the subscription); remove_personal()
  // undoes it. Kept out of the trie: every connection has them.
  void add_personal(Subscriber& subscriber, std::string_view user, bool authenticated);
  void remove_personal(Subscriber& subscriber);
  // What the subscriber holds in the trie (personal channels aside), as PatternTrie says.
  bool holds(const Subscriber& subscriber, std::string_view pattern) const { return trie_.holds(subscriber, pattern); }
  std::vector<std::string> patterns_of(const Subscriber& subscriber) const { return trie_.patterns_of(subscriber); }
  // Delivers to every local subscriber whose patterns match, once each.
  void deliver(const PublicationPtr& publication);
  // Thread-safe: queues a publication from another loop.
  void enqueue(PublicationPtr publication);
  // Thread-safe: runs task on the owning loop, at its next inbox drain (after the
  // publications queued before it).
  void post(std::function<void()> task);
  // Delivers everything queued by other loops, in arrival order.
  void drain_inbox();
  // Publications delivered since the last call (for publish-to-write latency after flush).
  std::vector<PublicationPtr>& delivered_this_turn() { return delivered_this_turn_; }

  const ShardCounters& counters() const { return counters_; }
  ShardCounters& counters() { return counters_; }

 private:
  PatternTrie trie_;
  PersonalChannels personal_;
  Hub& hub_;
  std::function<void()> wake_;
  std::mutex inbox_mutex_;
  // Publications and tasks from other threads, in arrival order (a task is an item
  // without a publication).
  struct InboxItem {
    PublicationPtr publication;
    std::function<void()> task;
  };
  std::vector<InboxItem> inbox_;
  std::vector<InboxItem> draining_;
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
  void set_broker(std::unique_ptr<Broker> broker);
  Broker& broker() { return *broker_; }
  const Broker& broker() const { return *broker_; }
  // Messages between the nodes of a cluster (not owned; set at start-up with a cluster
  // broker), or nullptr on one node.
  void set_relay(NodeRelay* relay) { relay_ = relay; }
  NodeRelay* relay() const { return relay_; }

  // Adds a shard for one loop; done at start-up, before any loop runs.
  HubShard& add_shard(std::function<void()> wake);
  size_t shard_count() const { return shards_.size(); }
  HubShard& shard(size_t index) { return *shards_[index]; }
  // Runs task on the thread of loop `origin` (its next turn), or right here for
  // Broker::kNoOrigin: how answers computed elsewhere reach the loop that asked.
  void run_on(size_t origin, std::function<void()> task) {
    if (origin < shards_.size()) {
      shards_[origin]->post(std::move(task));
    } else {
      task();
    }
  }
  const HubShard& shard(size_t index) const { return *shards_[index]; }

  // Publishes from the thread of shard `origin` (Broker::kNoOrigin from any other thread)
  // through the broker, which numbers it when its channel keeps history and hands it back
  // through fan_out() on every node.
  void publish(std::shared_ptr<Publication> publication, size_t origin, PublishDone done = {});
  // Delivers a publication the broker accepted: shard `origin` delivers it now (on its own
  // thread), every other loop on its next turn. With Broker::kNoOrigin every loop gets it
  // through its inbox, so publications fanned out in some order arrive in that order.
  void fan_out(const PublicationPtr& publication, size_t origin);
  // Allocates a cluster-unique publication id ("<node>-<counter>").
  std::string next_publication_id();
  // This node's random id, unique in a cluster (8 hex characters): ids minted here start
  // with it (publications, connections).
  const std::string& node_id() const { return node_prefix_; }

  uint64_t total_publications() const;
  uint64_t total_deliveries() const;
  uint64_t total_subscriptions() const;

  // A shard's first subscriber of `pattern` arrived (+1) or its last left (-1): the node's
  // count across shards tells the broker when the node starts or stops needing it.
  void interest_changed(std::string_view pattern, int delta);
  // Whether some subscriber on this node holds `pattern`, among those the broker wants to
  // hear of (Broker::wants_interest_in). Thread-safe.
  bool has_interest(std::string_view pattern);

 private:
  std::vector<std::unique_ptr<HubShard>> shards_;
  std::unique_ptr<Broker> broker_;
  NodeRelay* relay_ = nullptr;
  std::mutex interest_mutex_;
  std::unordered_map<std::string, uint32_t> interest_;  // pattern -> shards holding it
  std::atomic<uint64_t> id_counter_{0};
  std::string node_prefix_ = make_node_prefix();
  static std::string make_node_prefix();
};

}  // namespace sb::hub

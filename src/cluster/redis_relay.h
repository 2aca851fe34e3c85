#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "cluster/redis_link.h"
#include "hub/node_relay.h"
#include "transport/event_loop.h"

namespace sb::cluster {

// The node relay of a cluster over Redis: each node listens on its own mailbox, the Redis
// channel "<prefix>$node:<id>" (a reserved name, so no client channel or pattern reaches it),
// and a message to a node is a PUBLISH there: "<from>\n<service>\n<body>". The mailbox lives
// on the instance its name hashes to, like any channel. Messages from one node to another
// keep their order (one loop, one connection per instance). Runs on the broker's loop; the
// links are the broker's, which subscribes the mailbox and hands its messages to receive().
class RedisRelay final : public hub::NodeRelay {
 public:
  // link(shard): the command link of a Redis instance; shard_of(name): the instance of a
  // channel name (both on the broker's loop).
  RedisRelay(transport::EventLoop& loop, std::function<RedisLink*(size_t)> link,
             std::function<size_t(std::string_view)> shard_of, std::string prefix, std::string node_id);

  // hub::NodeRelay (any thread). A message that cannot be sent now (Redis unreachable) is
  // dropped and counted: senders keep deadlines.
  void send(std::string_view to, std::string_view service, std::string body) override;
  void on_receive(std::string service, Handler handler) override;

  // On the broker's loop: this node's mailbox (the Redis channel name) and its instance.
  const std::string& mailbox() const { return mailbox_; }
  size_t mailbox_shard() const { return shard_of_(mailbox_name(node_id_)); }
  // A message that arrived in the mailbox.
  void receive(std::string_view payload);
  // The broker stopped: nothing more is handed out.
  void stop() { stopped_ = true; }

  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  // The mailbox of a node without the prefix ("$node:<id>").
  static std::string mailbox_name(std::string_view node);

  transport::EventLoop& loop_;
  std::function<RedisLink*(size_t)> link_;
  std::function<size_t(std::string_view)> shard_of_;
  std::string prefix_;
  std::string node_id_;
  std::string mailbox_;
  std::mutex handlers_mutex_;  // registration happens while the broker's loop already runs
  std::unordered_map<std::string, Handler> handlers_;
  std::atomic<uint64_t> dropped_{0};
  bool stopped_ = false;
};

}  // namespace sb::cluster

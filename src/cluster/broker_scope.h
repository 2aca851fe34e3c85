#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "cluster/redis_link.h"
#include "hub/hub.h"
#include "transport/event_loop.h"

namespace sb::cluster {

// What a component of the Redis broker (registry, room places) needs to reach Redis for
// this node: the hub that answers loops, the broker's loop it runs on, each instance's
// command link, and how this node's keys are named.
struct BrokerScope {
  hub::Hub& hub;
  transport::EventLoop& loop;
  std::function<RedisLink*(size_t)> link;  // the command link of one instance
  size_t shard_count;
  std::string prefix;
  std::string node_id;
  uint32_t ttl_ms;  // the presence TTL: how long a silent node's records last

  // The key `kind` + `name` under the prefix.
  std::string key(std::string_view kind, std::string_view name) const {
    std::string out = prefix;
    out += kind;
    out += name;
    return out;
  }
};

}  // namespace sb::cluster

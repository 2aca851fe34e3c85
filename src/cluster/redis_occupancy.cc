#include "cluster/redis_occupancy.h"

#include <hiredis/hiredis.h>

#include "cluster/redis_broker.h"
#include "cluster/redis_presence.h"

namespace sb::cluster {

namespace {

// Moves this node's members of one channel by a delta; answers the channel's members on
// every node. The node's deadline is refreshed with it, so that no place outlives a node
// that dies at once. KEYS: the channel's members per node, this node's channels on the
// instance, the node deadlines (RedisPresence). ARGV: node, channel, delta, deadline ms.
constexpr std::string_view kCountScript = R"(local t = redis.call('TIME')
redis.call('HSET', KEYS[3], ARGV[1], tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[4]))
local n = redis.call('HINCRBY', KEYS[1], ARGV[1], ARGV[3])
if n <= 0 then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('SREM', KEYS[2], ARGV[2])
else
  redis.call('SADD', KEYS[2], ARGV[2])
end
local total = 0
for _, v in ipairs(redis.call('HVALS', KEYS[1])) do total = total + tonumber(v) end
return total)";

// Replaces every count of this node on one instance (after a reconnect: Redis may have
// restarted, or missed the leaves sent while it was unreachable). KEYS: this node's
// channels on the instance. ARGV: node, key prefix, then channel, members pairs.
constexpr std::string_view kResetScript = R"(for _, channel in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  redis.call('HDEL', ARGV[2] .. 'room:c:' .. channel, ARGV[1])
end
redis.call('DEL', KEYS[1])
for i = 3, #ARGV, 2 do
  redis.call('HSET', ARGV[2] .. 'room:c:' .. ARGV[i], ARGV[1], ARGV[i + 1])
  redis.call('SADD', KEYS[1], ARGV[i])
end
return 0)";

const RedisScript& reset_script() {
  static const RedisScript script(kResetScript);
  return script;
}

const RedisScript& count_script() {
  static const RedisScript script(kCountScript);
  return script;
}

}  // namespace

RedisOccupancy::RedisOccupancy(BrokerScope scope) : scope_(std::move(scope)) {}

void RedisOccupancy::send(const std::string& channel, int delta, std::function<void(uint32_t)> answer) {
  // While Redis is unreachable only this node can be counted.
  auto here = [this, channel] {
    auto it = members_.find(channel);
    return it == members_.end() ? 0u : it->second;
  };
  RedisLink* link = scope_.link(RedisBroker::shard_of(channel, scope_.shard_count));
  if (link == nullptr) {
    answer(here());
    return;
  }
  const BrokerScope& s = scope_;
  link->eval(count_script(), {s.key("room:c:", channel), s.key("room:n:", s.node_id), s.key("presence:nodes", "")},
             {s.node_id, channel, std::to_string(delta), node_deadline_ms(s.ttl_ms)},
             [answer = std::move(answer), here](redisReply* reply) {
               if (reply != nullptr && reply->type == REDIS_REPLY_INTEGER && reply->integer >= 0) {
                 answer(static_cast<uint32_t>(reply->integer));
               } else {
                 answer(here());
               }
             });
}

void RedisOccupancy::joined(std::string_view channel, size_t origin, hub::ClusterCheck::CountDone done) {
  scope_.loop.post([this, channel = std::string(channel), origin, done = std::move(done)]() mutable {
    ++members_[channel];
    send(channel, 1, [this, origin, done = std::move(done)](uint32_t members) mutable {
      if (done && !stopped_) scope_.hub.run_on(origin, [done = std::move(done), members] { done(members); });
    });
  });
}

void RedisOccupancy::left(std::string_view channel) {
  scope_.loop.post([this, channel = std::string(channel)] {
    auto it = members_.find(channel);
    if (it == members_.end()) return;
    if (--it->second == 0) members_.erase(it);
    send(channel, -1, [](uint32_t) {});
  });
}

void RedisOccupancy::on_ready(size_t shard) {
  RedisLink* link = scope_.link(shard);
  link->load(count_script());
  std::vector<std::string> args = {scope_.node_id, scope_.prefix};
  for (const auto& [channel, members] : members_) {
    if (RedisBroker::shard_of(channel, scope_.shard_count) != shard) continue;
    args.push_back(channel);
    args.push_back(std::to_string(members));
  }
  link->eval(reset_script(), {scope_.key("room:n:", scope_.node_id)}, std::move(args), [](redisReply*) {});
}

}  // namespace sb::cluster

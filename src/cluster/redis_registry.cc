#include "cluster/redis_registry.h"

#include <hiredis/hiredis.h>

#include <memory>

#include "cluster/redis_broker.h"
#include "cluster/redis_presence.h"
#include "cluster/wire_fields.h"

namespace sb::cluster {

namespace {

// Adds one connection record of a user; answers the user's connections on every node. The
// node's deadline is refreshed with it, so that no record outlives a node that dies at once.
// KEYS: the user's records, this node's users, the instance's distinct-user count, the
// node deadlines (RedisPresence). ARGV: connection id, record, user, node, deadline ms.
constexpr std::string_view kAddScript = R"(local t = redis.call('TIME')
redis.call('HSET', KEYS[4], ARGV[4], tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[5]))
if redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) == 1 then
  redis.call('HINCRBY', KEYS[2], ARGV[3], 1)
  if redis.call('HLEN', KEYS[1]) == 1 then redis.call('INCR', KEYS[3]) end
end
return redis.call('HLEN', KEYS[1]))";

// Removes one connection record. KEYS and ARGV as kAddScript (no record).
constexpr std::string_view kRemoveScript = R"(if redis.call('HDEL', KEYS[1], ARGV[1]) == 1 then
  if redis.call('HINCRBY', KEYS[2], ARGV[3], -1) <= 0 then redis.call('HDEL', KEYS[2], ARGV[3]) end
  if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('DECR', KEYS[3]) end
end
return 0)";

// Replaces this node's totals. KEYS: the stats table. ARGV: node, then name, value pairs.
constexpr std::string_view kStatsScript = R"(local mine = ARGV[1] .. '\n'
for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
  if field:sub(1, #mine) == mine then redis.call('HDEL', KEYS[1], field) end
end
for i = 2, #ARGV, 2 do redis.call('HSET', KEYS[1], mine .. ARGV[i], ARGV[i + 1]) end
return 0)";

constexpr uint64_t kStatsIntervalMs = 1000;


const RedisScript& add_script() {
  static const RedisScript script(kAddScript);
  return script;
}

const RedisScript& remove_script() {
  static const RedisScript script(kRemoveScript);
  return script;
}

const RedisScript& stats_script() {
  static const RedisScript script(kStatsScript);
  return script;
}

}  // namespace

RedisRegistry::RedisRegistry(BrokerScope scope) : scope_(std::move(scope)) {}

void RedisRegistry::answer(size_t origin, std::function<void()> task) {
  if (!stopped_) scope_.hub.run_on(origin, std::move(task));
}

void RedisRegistry::send_add(const std::string& user_id, const std::string& connection_id, const std::string& record,
                             std::function<void(uint32_t)> done) {
  RedisLink* link = scope_.link(RedisBroker::shard_of(user_id, scope_.shard_count));
  // While Redis is unreachable only this node can be counted.
  auto here = [this, user_id] {
    auto u = records_.find(user_id);
    return u == records_.end() ? 0u : static_cast<uint32_t>(u->second.size());
  };
  if (link == nullptr) {
    done(here());
    return;
  }
  const BrokerScope& s = scope_;
  link->eval(add_script(),
             {s.key("conns:u:", user_id), s.key("conns:n:", s.node_id), s.key("conns:users", ""),
              s.key("presence:nodes", "")},
             {connection_id, record, user_id, s.node_id, node_deadline_ms(s.ttl_ms)},
             [done = std::move(done), here](redisReply* reply) {
               if (reply != nullptr && reply->type == REDIS_REPLY_INTEGER && reply->integer >= 0) {
                 done(static_cast<uint32_t>(reply->integer));
               } else {
                 done(here());
               }
             });
}

void RedisRegistry::added(const hub::ConnectionInfo& info, size_t origin, CountDone done) {
  std::string record = scope_.node_id + " " + std::to_string(info.connected_at_ms) + " " + std::string(info.dialect);
  scope_.loop.post([this, user = info.user_id, connection = info.connection_id.str(), record = std::move(record), origin,
              done = std::move(done)]() mutable {
    records_[user][connection] = record;
    send_add(user, connection, record, [this, origin, done = std::move(done)](uint32_t count) mutable {
      if (done) answer(origin, [done = std::move(done), count] { done(count); });
    });
  });
}

void RedisRegistry::removed(const hub::ConnectionInfo& info) {
  scope_.loop.post([this, user = info.user_id, connection = info.connection_id.str()] {
    auto u = records_.find(user);
    if (u != records_.end()) {
      u->second.erase(connection);
      if (u->second.empty()) records_.erase(u);
    }
    RedisLink* link = scope_.link(RedisBroker::shard_of(user, scope_.shard_count));
    if (link == nullptr) return;
    const BrokerScope& s = scope_;
    link->eval(remove_script(), {s.key("conns:u:", user), s.key("conns:n:", s.node_id), s.key("conns:users", "")},
               {connection, "", user, s.node_id}, [](redisReply*) {});
  });
}

void RedisRegistry::of_user(std::string_view user_id, size_t origin,
                            std::function<void(std::vector<hub::ConnectionRecord>)> done) {
  scope_.loop.post([this, user = std::string(user_id), origin, done = std::move(done)]() mutable {
    auto reply_with = [this, user, origin, done](redisReply* reply) mutable {
      std::vector<hub::ConnectionRecord> out;
      auto add = [&](std::string_view connection, std::string_view record) {
        // "<node> <connected at> <dialect>"
        size_t first = record.find(' ');
        size_t second = first == std::string_view::npos ? first : record.find(' ', first + 1);
        if (second == std::string_view::npos) return;
        hub::ConnectionRecord r;
        r.connection_id = connection;
        r.user_id = user;
        if (!wire::parse_decimal(record.substr(first + 1, second - first - 1), r.connected_at_ms)) return;
        r.dialect = record.substr(second + 1);
        out.push_back(std::move(r));
      };
      if (reply != nullptr && reply->type == REDIS_REPLY_ARRAY) {
        for (size_t i = 0; i + 1 < reply->elements; i += 2) {
          add(reply_text(reply->element[i]), reply_text(reply->element[i + 1]));
        }
      } else if (auto u = records_.find(user); u != records_.end()) {
        for (const auto& [connection, record] : u->second) add(connection, record);  // this node only
      }
      answer(origin, [done = std::move(done), out = std::move(out)]() mutable { done(std::move(out)); });
    };
    RedisLink* link = scope_.link(RedisBroker::shard_of(user, scope_.shard_count));
    if (link == nullptr || !link->command({"HGETALL", scope_.key("conns:u:", user)}, reply_with)) reply_with(nullptr);
  });
}

void RedisRegistry::stats(size_t origin, std::function<void(hub::ClusterStats)> done) {
  scope_.loop.post([this, origin, done = std::move(done)]() mutable {
    struct Gathering {
      hub::ClusterStats stats;
      size_t remaining;
      std::function<void(hub::ClusterStats)> done;
    };
    auto gathering = std::make_shared<Gathering>(Gathering{{}, scope_.shard_count + 1, std::move(done)});
    auto finish = [this, origin, gathering] {
      if (--gathering->remaining != 0) return;
      answer(origin, [gathering] { gathering->done(std::move(gathering->stats)); });
    };
    RedisLink* first = scope_.link(0);
    auto totals = [gathering, finish](redisReply* reply) {
      if (reply != nullptr && reply->type == REDIS_REPLY_ARRAY) {
        for (size_t i = 0; i + 1 < reply->elements; i += 2) {
          std::string_view field = reply_text(reply->element[i]);
          uint64_t value = 0;
          size_t newline = field.find('\n');
          if (newline == std::string_view::npos || !wire::parse_decimal(reply_text(reply->element[i + 1]), value)) continue;
          std::string_view name = field.substr(newline + 1);
          if (name == "connections") gathering->stats.connections += value;
          if (name == "mps") gathering->stats.messages_per_second += value;
          if (name.starts_with("room:")) gathering->stats.rooms[std::string(name.substr(5))] += value;
        }
      }
      finish();
    };
    if (first == nullptr || !first->command({"HGETALL", scope_.key("stats", "")}, totals)) totals(nullptr);
    for (size_t shard = 0; shard < scope_.shard_count; ++shard) {
      auto users = [gathering, finish](redisReply* reply) {
        uint64_t value = 0;
        if (reply != nullptr && reply->type == REDIS_REPLY_STRING && wire::parse_decimal(reply_text(reply), value)) {
          gathering->stats.users += value;
        }
        finish();
      };
      RedisLink* link = scope_.link(shard);
      if (link == nullptr || !link->command({"GET", scope_.key("conns:users", "")}, users)) users(nullptr);
    }
  });
}

void RedisRegistry::on_ready(size_t shard) {
  RedisLink* link = scope_.link(shard);
  for (const RedisScript* script : {&add_script(), &remove_script(), &stats_script()}) link->load(*script);
  for (const auto& [user, connections] : records_) {
    if (RedisBroker::shard_of(user, scope_.shard_count) != shard) continue;
    for (const auto& [connection, record] : connections) send_add(user, connection, record, [](uint32_t) {});
  }
  if (shard == 0) last_stats_ms_ = 0;
}

void RedisRegistry::tick(uint64_t now_ms) {
  if (!snapshot_ || (last_stats_ms_ != 0 && now_ms - last_stats_ms_ < kStatsIntervalMs)) return;
  RedisLink* link = scope_.link(0);
  if (link == nullptr || !link->ready()) return;
  last_stats_ms_ = now_ms;
  std::vector<std::string> args = {scope_.node_id};
  for (auto& [name, value] : snapshot_()) {
    args.push_back(name);
    args.push_back(std::to_string(value));
  }
  link->eval(stats_script(), {scope_.key("stats", "")}, std::move(args), [](redisReply*) {});
}

}  // namespace sb::cluster

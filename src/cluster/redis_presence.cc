#include "cluster/redis_presence.h"

#include <hiredis/hiredis.h>

#include "cluster/presence_record.h"
#include "cluster/redis_broker.h"
#include "observability/log.h"

namespace sb::cluster {

namespace {

// Writes (record non-empty) or removes (record empty) one node's record of a user in a
// channel, keeping the count of nodes that hold the user and the node's per-channel count of
// users (what a reaper walks), and refreshes the node's deadline. Answers 1 when the user is
// now held by one node and was by none, 2 when no node holds it any more, else 0.
// KEYS: records of the channel, node counts of the channel, the node's channels, deadlines.
// ARGV: field, user, record, channel, node, ttl ms.
constexpr std::string_view kUpdateScript = R"(local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('HSET', KEYS[4], ARGV[5], now + tonumber(ARGV[6]))
if ARGV[3] ~= '' then
  local existed = redis.call('HEXISTS', KEYS[1], ARGV[1])
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
  if existed == 1 then return 0 end
  redis.call('HINCRBY', KEYS[3], ARGV[4], 1)
  if redis.call('HINCRBY', KEYS[2], ARGV[2], 1) == 1 then return 1 end
  return 0
end
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
if redis.call('HINCRBY', KEYS[3], ARGV[4], -1) <= 0 then redis.call('HDEL', KEYS[3], ARGV[4]) end
if redis.call('HINCRBY', KEYS[2], ARGV[2], -1) <= 0 then
  redis.call('HDEL', KEYS[2], ARGV[2])
  return 2
end
return 0)";

// Refreshes this node's deadline, then removes every node whose deadline passed: their
// presence records go, and each user no node holds any more is answered; their connection
// records and totals (RedisRegistry), meeting records (RedisMeetingStore) and room places
// (RedisOccupancy) go too.
// Answers {{channel, user, ...} of presence, {meeting, user, name, users left, ...}}.
// Key names of other nodes are built here from the prefix: the cluster shards by channel
// itself, on standalone Redis instances, so a script may reach any key of its instance.
// KEYS: deadlines. ARGV: node, ttl ms, key prefix.
constexpr std::string_view kReapScript = R"(-- Removes a node's fields ("<user>\n<node>") from a
-- records hash, counting each user down in counts (how many nodes hold the user); answers
-- the users no node holds any more.
local function drop_node(records, counts, node)
  local gone = {}
  for _, field in ipairs(redis.call('HKEYS', records)) do
    local at = field:match('^.*()\n')
    if at and field:sub(at + 1) == node then
      redis.call('HDEL', records, field)
      local user = field:sub(1, at - 1)
      if redis.call('HINCRBY', counts, user, -1) <= 0 then
        redis.call('HDEL', counts, user)
        gone[#gone + 1] = user
      end
    end
  end
  return gone
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('HSET', KEYS[1], ARGV[1], now + tonumber(ARGV[2]))
local left = {}
local gone = {}
local nodes = redis.call('HGETALL', KEYS[1])
for i = 1, #nodes, 2 do
  local node = nodes[i]
  if tonumber(nodes[i + 1]) < now then
    local held = ARGV[3] .. 'presence:n:' .. node
    for _, channel in ipairs(redis.call('HKEYS', held)) do
      local records = ARGV[3] .. 'presence:m:' .. channel
      for _, user in ipairs(drop_node(records, ARGV[3] .. 'presence:u:' .. channel, node)) do
        left[#left + 1] = channel
        left[#left + 1] = user
      end
    end
    redis.call('DEL', held)
    local meetings = ARGV[3] .. 'meet:n:' .. node
    for _, id in ipairs(redis.call('HKEYS', meetings)) do
      local users = ARGV[3] .. 'meet:u:' .. id
      local names = ARGV[3] .. 'meet:p:' .. id
      for _, user in ipairs(drop_node(ARGV[3] .. 'meet:r:' .. id, users, node)) do
        gone[#gone + 1] = {id, user, redis.call('HGET', names, user) or ''}
        redis.call('HDEL', names, user)
      end
      if redis.call('HLEN', users) == 0 then redis.call('DEL', ARGV[3] .. 'meet:a:' .. id) end
    end
    redis.call('DEL', meetings)
    local rooms = ARGV[3] .. 'room:n:' .. node
    for _, channel in ipairs(redis.call('SMEMBERS', rooms)) do
      redis.call('HDEL', ARGV[3] .. 'room:c:' .. channel, node)
    end
    redis.call('DEL', rooms)
    local conns = ARGV[3] .. 'conns:n:' .. node
    for _, user in ipairs(redis.call('HKEYS', conns)) do
      local records = ARGV[3] .. 'conns:u:' .. user
      local all = redis.call('HGETALL', records)
      for j = 1, #all, 2 do
        if all[j + 1]:sub(1, #node + 1) == node .. ' ' then redis.call('HDEL', records, all[j]) end
      end
      if #all > 0 and redis.call('EXISTS', records) == 0 then redis.call('DECR', ARGV[3] .. 'conns:users') end
    end
    redis.call('DEL', conns)
    local stats = ARGV[3] .. 'stats'
    for _, field in ipairs(redis.call('HKEYS', stats)) do
      if field:sub(1, #node + 1) == node .. '\n' then redis.call('HDEL', stats, field) end
    end
    redis.call('HDEL', KEYS[1], node)
  end
end
local meetings_left = {}
for _, g in ipairs(gone) do
  local users = redis.call('HLEN', ARGV[3] .. 'meet:u:' .. g[1])
  for _, v in ipairs({g[1], g[2], g[3], users}) do meetings_left[#meetings_left + 1] = v end
end
return {left, meetings_left})";

// Every node refreshes its deadline (and reaps) this often.
constexpr uint64_t kHeartbeatMs = 1000;

const RedisScript& update_script() {
  static const RedisScript script(kUpdateScript);
  return script;
}

const RedisScript& reap_script() {
  static const RedisScript script(kReapScript);
  return script;
}

}  // namespace

RedisPresence::RedisPresence(hub::Hub& hub, transport::EventLoop& loop, std::function<RedisLink*(size_t)> link,
                             size_t shard_count, Settings settings)
    : hub_(hub), loop_(loop), link_(std::move(link)), shard_count_(shard_count), settings_(std::move(settings)) {}

std::string node_deadline_ms(uint32_t ttl_ms) {
  // A node silent for the TTL is reaped by the next heartbeat of another node: the deadline
  // leaves room for that heartbeat's interval.
  uint64_t ttl = ttl_ms;
  return std::to_string(ttl > 2 * kHeartbeatMs ? ttl - kHeartbeatMs : kHeartbeatMs);
}

std::string RedisPresence::deadline_ms() const { return node_deadline_ms(settings_.ttl_ms); }

std::string RedisPresence::key(std::string_view kind, std::string_view name) const {
  std::string out = settings_.prefix;
  out += "presence:";
  out += kind;
  out += name;
  return out;
}

void RedisPresence::answer_change(size_t origin, ChangeDone done, Change change) {
  if (!done || stopped_) return;
  hub_.run_on(origin, [done = std::move(done), change] { done(change); });
}

void RedisPresence::answer_members(size_t origin, MembersDone done, std::vector<hub::PresenceMember> members) {
  if (!done || stopped_) return;
  hub_.run_on(origin, [done = std::move(done), members = std::move(members)]() mutable { done(std::move(members)); });
}

void RedisPresence::update(const std::string& channel, const hub::PresenceMember& member, size_t origin,
                           ChangeDone done) {
  std::string record = member.connections == 0 ? std::string() : encode_member(member);
  loop_.post([this, channel, user = member.user_id, record = std::move(record), origin,
              done = std::move(done)]() mutable {
    if (record.empty()) {
      auto c = records_.find(channel);
      if (c != records_.end()) {
        c->second.erase(user);
        if (c->second.empty()) records_.erase(c);
      }
    } else {
      records_[channel][user] = record;
    }
    size_t shard = RedisBroker::shard_of(channel, shard_count_);
    // While Redis is unreachable nobody can say whether this was the user's first or last
    // connection anywhere: no event is announced (the records are written again later).
    send_update(shard, channel, user, record, [this, origin, done = std::move(done)](Change change) mutable {
      answer_change(origin, std::move(done), change);
    });
  });
}

void RedisPresence::send_update(size_t shard, const std::string& channel, const std::string& user_id,
                                const std::string& record, std::function<void(Change)> answer) {
  RedisLink* link = link_(shard);
  if (link == nullptr) {
    answer(Change::kNone);
    return;
  }
  link->eval(update_script(),
       {key("m:", channel), key("u:", channel), key("n:", settings_.node_id), key("nodes", "")},
       {member_field(user_id, settings_.node_id), user_id, record, channel, settings_.node_id, deadline_ms()},
       [answer = std::move(answer)](redisReply* reply) {
         Change change = Change::kNone;
         if (reply != nullptr && reply->type == REDIS_REPLY_INTEGER) {
           if (reply->integer == 1) change = Change::kJoined;
           if (reply->integer == 2) change = Change::kLeft;
         }
         answer(change);
       });
}

void RedisPresence::members(std::string_view channel, size_t origin, MembersDone done) {
  loop_.post([this, channel = std::string(channel), origin, done = std::move(done)]() mutable {
    // This node's own records, merged: the answer while Redis cannot be asked.
    auto local = [this, &channel] {
      std::vector<hub::PresenceMember> out;
      auto c = records_.find(channel);
      if (c == records_.end()) return out;
      for (const auto& [user, record] : c->second) {
        hub::PresenceMember m;
        if (decode_member(record, m)) out.push_back(std::move(m));
      }
      return out;
    };
    RedisLink* link = link_(RedisBroker::shard_of(channel, shard_count_));
    auto ask = [this, origin, done, local](redisReply* reply) mutable {
      if (reply == nullptr || reply->type != REDIS_REPLY_ARRAY) {
        answer_members(origin, std::move(done), local());
        return;
      }
      std::vector<hub::PresenceMember> merged;
      std::unordered_map<std::string, size_t> index;
      for (size_t i = 0; i + 1 < reply->elements; i += 2) {
        hub::PresenceMember m;
        if (!decode_member(reply_text(reply->element[i + 1]), m)) continue;
        auto [at, fresh] = index.try_emplace(m.user_id, merged.size());
        if (fresh) {
          merged.push_back(std::move(m));
        } else {
          merge_member(merged[at->second], m);
        }
      }
      answer_members(origin, std::move(done), std::move(merged));
    };
    if (link == nullptr || !link->command({"HGETALL", key("m:", channel)}, ask)) ask(nullptr);
  });
}

void RedisPresence::on_ready(size_t shard) {
  RedisLink* link = link_(shard);
  link->load(update_script());
  link->load(reap_script());
  // A Redis restarted without persistence forgot this node's members: they are written
  // again, without events (to everyone else they never left).
  for (const auto& [channel, users] : records_) {
    if (RedisBroker::shard_of(channel, shard_count_) != shard) continue;
    for (const auto& [user, record] : users) send_update(shard, channel, user, record, [](Change) {});
  }
  last_heartbeat_ms_ = 0;  // and the heartbeat at the next tick
}

void RedisPresence::tick(uint64_t now_ms) {
  if (last_heartbeat_ms_ != 0 && now_ms - last_heartbeat_ms_ < kHeartbeatMs) return;
  last_heartbeat_ms_ = now_ms;
  for (size_t shard = 0; shard < shard_count_; ++shard) {
    RedisLink* link = link_(shard);
    if (link == nullptr || !link->ready()) continue;
    link->eval(reap_script(), {key("nodes", "")},
         {settings_.node_id, deadline_ms(), settings_.prefix}, [this](redisReply* reply) {
           if (reply == nullptr || reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 || stopped_) return;
           const redisReply* left = reply->element[0];
           for (size_t i = 0; left->type == REDIS_REPLY_ARRAY && i + 1 < left->elements; i += 2) {
             std::string channel(reply_text(left->element[i]));
             std::string user(reply_text(left->element[i + 1]));
             log::info("presence.reaped", {{"channel", channel}, {"user", user}});
             if (departed_) departed_(channel, user);
           }
           const redisReply* meetings = reply->element[1];
           for (size_t i = 0; meetings->type == REDIS_REPLY_ARRAY && i + 3 < meetings->elements; i += 4) {
             std::string meeting(reply_text(meetings->element[i]));
             std::string user(reply_text(meetings->element[i + 1]));
             std::string name(reply_text(meetings->element[i + 2]));
             const redisReply* users = meetings->element[i + 3];
             uint32_t total = users->type == REDIS_REPLY_INTEGER ? static_cast<uint32_t>(users->integer) : 0;
             log::info("meeting.reaped", {{"meeting", meeting}, {"user", user}});
             if (meeting_departed_) meeting_departed_(meeting, user, name, total);
           }
         });
  }
}

}  // namespace sb::cluster

#include "cluster/redis_meeting_store.h"

#include <hiredis/hiredis.h>

#include "cluster/redis_broker.h"
#include "observability/log.h"

namespace sb::cluster {

namespace {

// KEYS: r, u, p, a, n. ARGV: user, node, name, meeting id.
// Answers {first (0/1), users, agenda}.
const RedisScript& join_script() {
  static const RedisScript script(R"(local field = ARGV[1] .. '\n' .. ARGV[2]
local first = 0
if redis.call('HINCRBY', KEYS[1], field, 1) == 1 then
  redis.call('HINCRBY', KEYS[5], ARGV[4], 1)
  if redis.call('HINCRBY', KEYS[2], ARGV[1], 1) == 1 then
    first = 1
    redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
  end
end
return {first, redis.call('HLEN', KEYS[2]), redis.call('GET', KEYS[4]) or ''})");
  return script;
}

// KEYS: r, u, p, a, n. ARGV: user, node, meeting id.
// Answers {known (0/1), last (0/1), users, name}.
const RedisScript& leave_script() {
  static const RedisScript script(R"(local field = ARGV[1] .. '\n' .. ARGV[2]
if redis.call('HEXISTS', KEYS[1], field) == 0 then return {0, 0, redis.call('HLEN', KEYS[2]), ''} end
local last = 0
local name = redis.call('HGET', KEYS[3], ARGV[1]) or ''
if redis.call('HINCRBY', KEYS[1], field, -1) <= 0 then
  redis.call('HDEL', KEYS[1], field)
  if redis.call('HINCRBY', KEYS[5], ARGV[3], -1) <= 0 then redis.call('HDEL', KEYS[5], ARGV[3]) end
  if redis.call('HINCRBY', KEYS[2], ARGV[1], -1) <= 0 then
    redis.call('HDEL', KEYS[2], ARGV[1])
    redis.call('HDEL', KEYS[3], ARGV[1])
    last = 1
  end
end
local users = redis.call('HLEN', KEYS[2])
if users == 0 then redis.call('DEL', KEYS[4]) end
return {1, last, users, name})");
  return script;
}

// KEYS: r, u, p, a, n. ARGV: data. Answers the users in the meeting.
const RedisScript& agenda_script() {
  static const RedisScript script(R"(local users = redis.call('HLEN', KEYS[2])
if users > 0 then redis.call('SET', KEYS[4], ARGV[1]) end
return users)");
  return script;
}

uint32_t number_at(const redisReply* reply, size_t i) {
  if (reply->type != REDIS_REPLY_ARRAY || i >= reply->elements || reply->element[i]->type != REDIS_REPLY_INTEGER) {
    return 0;
  }
  return static_cast<uint32_t>(reply->element[i]->integer);
}

bool answered(const OwnedReply& reply, size_t elements, const std::string& error, std::string_view what) {
  if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == elements) return true;
  log::warn("meetings.store", {{"call", std::string(what)},
                               {"error", reply ? std::string(reply_text(reply.get())) : error}});
  return false;
}

}  // namespace

RedisMeetingStore::RedisMeetingStore(std::vector<std::shared_ptr<RedisClient>> clients, std::string prefix,
                                     std::string node_id)
    : clients_(std::move(clients)), prefix_(std::move(prefix)), node_id_(std::move(node_id)) {}

RedisClient& RedisMeetingStore::client_for(std::string_view meeting_id) {
  // With the meeting's channel, so that a node's records sit where the reaper of that
  // instance looks for them.
  return *clients_[RedisBroker::shard_of("meeting:" + std::string(meeting_id), clients_.size())];
}

std::vector<std::string> RedisMeetingStore::keys(std::string_view meeting_id) const {
  std::string id(meeting_id);
  return {prefix_ + "meet:r:" + id, prefix_ + "meet:u:" + id, prefix_ + "meet:p:" + id, prefix_ + "meet:a:" + id,
          prefix_ + "meet:n:" + node_id_};
}

store::MeetingJoin RedisMeetingStore::join(std::string_view meeting_id, std::string_view user, std::string_view name) {
  std::string error;
  OwnedReply reply = client_for(meeting_id).eval(
      join_script(), keys(meeting_id), {std::string(user), node_id_, std::string(name), std::string(meeting_id)},
      error);
  if (!answered(reply, 3, error, "join")) return store::MeetingJoin{false, false, 0, {}};
  return store::MeetingJoin{true, number_at(reply.get(), 0) == 1, number_at(reply.get(), 1),
                            std::string(reply_text(reply->element[2]))};
}

store::MeetingLeave RedisMeetingStore::leave(std::string_view meeting_id, std::string_view user) {
  std::string error;
  OwnedReply reply = client_for(meeting_id).eval(leave_script(), keys(meeting_id),
                                                 {std::string(user), node_id_, std::string(meeting_id)}, error);
  if (!answered(reply, 4, error, "leave")) return {};
  return store::MeetingLeave{number_at(reply.get(), 0) == 1, number_at(reply.get(), 1) == 1,
                             number_at(reply.get(), 2), std::string(reply_text(reply->element[3]))};
}

uint32_t RedisMeetingStore::set_agenda(std::string_view meeting_id, std::string_view data) {
  std::string error;
  OwnedReply reply = client_for(meeting_id).eval(agenda_script(), keys(meeting_id), {std::string(data)}, error);
  if (!reply || reply->type != REDIS_REPLY_INTEGER) {
    log::warn("meetings.store", {{"call", "agenda"}, {"error", reply ? std::string(reply_text(reply.get())) : error}});
    return 0;
  }
  return static_cast<uint32_t>(reply->integer);
}

}  // namespace sb::cluster

#include "cluster/redis_notification_store.h"

#include <hiredis/hiredis.h>

#include "cluster/redis_broker.h"
#include "cluster/wire_fields.h"
#include "observability/log.h"

namespace sb::cluster {

namespace {

// KEYS: records, order, expiring. ARGV: id, record, expires_at_ms (0: never).
const RedisScript& add_script() {
  static const RedisScript script(R"(if redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) == 1 then
  redis.call('RPUSH', KEYS[2], ARGV[1])
end
if tonumber(ARGV[3]) > 0 then
  redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
else
  redis.call('ZREM', KEYS[3], ARGV[1])
end
return 1)");
  return script;
}

// KEYS: records, order, expiring. ARGV: now_ms. Deletes the expired ones, then answers
// [id, record, id, record...] oldest first.
const RedisScript& unread_script() {
  static const RedisScript script(R"(local expired = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[1])
for _, id in ipairs(expired) do
  redis.call('HDEL', KEYS[1], id)
  redis.call('LREM', KEYS[2], 1, id)
end
if #expired > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[1]) end
local out = {}
for _, id in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do
  local record = redis.call('HGET', KEYS[1], id)
  if record then
    out[#out + 1] = id
    out[#out + 1] = record
  end
end
return out)");
  return script;
}

// KEYS: records, order, expiring. ARGV: id, or '' for all. Answers how many were unread.
const RedisScript& mark_read_script() {
  static const RedisScript script(R"(if ARGV[1] == '' then
  local n = redis.call('HLEN', KEYS[1])
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
  return n
end
local n = redis.call('HDEL', KEYS[1], ARGV[1])
if n == 1 then
  redis.call('LREM', KEYS[2], 1, ARGV[1])
  redis.call('ZREM', KEYS[3], ARGV[1])
end
return n)");
  return script;
}

}  // namespace

RedisNotificationStore::RedisNotificationStore(std::vector<std::shared_ptr<RedisClient>> clients, std::string prefix)
    : clients_(std::move(clients)), prefix_(std::move(prefix)) {}

RedisClient& RedisNotificationStore::client_for(std::string_view user_id) {
  return *clients_[RedisBroker::shard_of(user_id, clients_.size())];
}

std::vector<std::string> RedisNotificationStore::keys(std::string_view user_id) const {
  std::string user(user_id);
  return {prefix_ + "notif:r:" + user, prefix_ + "notif:o:" + user, prefix_ + "notif:x:" + user};
}

std::string RedisNotificationStore::encode(const store::StoredNotification& n) {
  std::string out;
  wire::put_field(out, n.type);
  wire::put_field(out, n.payload);
  wire::put_varint(out, static_cast<uint64_t>(n.created_at_ms));
  wire::put_varint(out, static_cast<uint64_t>(n.expires_at_ms));
  return out;
}

bool RedisNotificationStore::decode(std::string_view record, std::string_view id, std::string_view user_id,
                                    store::StoredNotification& out) {
  uint64_t created = 0, expires = 0;
  out.id = id;
  out.user_id = user_id;
  if (!wire::get_field(record, out.type) || !wire::get_field(record, out.payload) ||
      !wire::get_varint(record, created) || !wire::get_varint(record, expires) || !record.empty()) {
    return false;
  }
  out.created_at_ms = static_cast<int64_t>(created);
  out.expires_at_ms = static_cast<int64_t>(expires);
  return true;
}

bool RedisNotificationStore::add(const store::StoredNotification& n, std::string& error) {
  OwnedReply reply = client_for(n.user_id).eval(add_script(), keys(n.user_id),
                                                {n.id, encode(n), std::to_string(n.expires_at_ms)}, error);
  if (!reply) return false;
  if (reply->type == REDIS_REPLY_ERROR) {
    error = "store write failed: " + std::string(reply_text(reply.get()));
    return false;
  }
  return true;
}

std::optional<std::vector<store::StoredNotification>> RedisNotificationStore::unread(std::string_view user_id,
                                                                                     int64_t now_ms) {
  std::vector<store::StoredNotification> out;
  std::string error;
  OwnedReply reply = client_for(user_id).eval(unread_script(), keys(user_id), {std::to_string(now_ms)}, error);
  if (!reply || reply->type != REDIS_REPLY_ARRAY) {
    log::warn("store.notifications_unreadable",
              {{"user", std::string(user_id)}, {"error", reply ? std::string(reply_text(reply.get())) : error}});
    return std::nullopt;
  }
  for (size_t i = 0; i + 1 < reply->elements; i += 2) {
    store::StoredNotification n;
    if (decode(reply_text(reply->element[i + 1]), reply_text(reply->element[i]), user_id, n)) {
      out.push_back(std::move(n));
    }
  }
  return out;
}

int RedisNotificationStore::mark_read(std::string_view user_id, std::string_view id) {
  std::string error;
  OwnedReply reply = client_for(user_id).eval(mark_read_script(), keys(user_id), {std::string(id)}, error);
  if (!reply || reply->type != REDIS_REPLY_INTEGER) return kUnavailable;
  return static_cast<int>(reply->integer);
}

}  // namespace sb::cluster

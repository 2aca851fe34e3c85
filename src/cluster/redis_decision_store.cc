#include "cluster/redis_decision_store.h"

#include <hiredis/hiredis.h>

#include <algorithm>

#include "cluster/redis_broker.h"
#include "cluster/wire_fields.h"
#include "observability/log.h"

namespace sb::cluster {

namespace {

// KEYS: decision, votes, ids, open. ARGV: id, record, deadline. 1 created, 0 exists.
const RedisScript& create_script() {
  static const RedisScript script(R"(if redis.call('HSETNX', KEYS[1], 'd', ARGV[2]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'rev', 0)
redis.call('ZADD', KEYS[4], ARGV[3], ARGV[1])
return 1)");
  return script;
}

// KEYS: decision, votes, ids. ARGV: user, vote record, proposed vote id.
// {'missing'} | {'closed'} | {'ok', vote id, {decision hash, votes hash, vote ids hash}}
const RedisScript& vote_script() {
  static const RedisScript script(R"(if redis.call('HEXISTS', KEYS[1], 'd') == 0 then return {'missing'} end
if redis.call('HEXISTS', KEYS[1], 'result') == 1 then return {'closed'} end
local vid = redis.call('HGET', KEYS[3], ARGV[1])
if not vid then
  vid = ARGV[3]
  redis.call('HSET', KEYS[3], ARGV[1], vid)
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('HINCRBY', KEYS[1], 'rev', 1)
return {'ok', vid, {redis.call('HGETALL', KEYS[1]), redis.call('HGETALL', KEYS[2]), redis.call('HGETALL', KEYS[3])}})");
  return script;
}

// KEYS: decision, open, done. ARGV: id, result, completed, revision.
// 1 closed, 0 closed before, -1 unknown, -2 stale.
const RedisScript& close_script() {
  static const RedisScript script(R"(if redis.call('HEXISTS', KEYS[1], 'd') == 0 then return -1 end
if redis.call('HEXISTS', KEYS[1], 'result') == 1 then return 0 end
if redis.call('HGET', KEYS[1], 'rev') ~= ARGV[4] then return -2 end
redis.call('HSET', KEYS[1], 'result', ARGV[2], 'completed', ARGV[3])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
return 1)");
  return script;
}

// KEYS: decision, votes, ids. {decision hash, votes hash, vote ids hash}, read at once.
const RedisScript& read_script() {
  static const RedisScript script(
      R"(return {redis.call('HGETALL', KEYS[1]), redis.call('HGETALL', KEYS[2]), redis.call('HGETALL', KEYS[3])})");
  return script;
}


std::string failure(const OwnedReply& reply, const std::string& error) {
  return reply ? "store write failed: " + std::string(reply_text(reply.get())) : error;
}

}  // namespace

RedisDecisionStore::RedisDecisionStore(std::vector<std::shared_ptr<RedisClient>> clients, std::string prefix)
    : clients_(std::move(clients)), prefix_(std::move(prefix)) {}

RedisClient& RedisDecisionStore::client_for(std::string_view id) {
  return *clients_[RedisBroker::shard_of(id, clients_.size())];
}

std::vector<std::string> RedisDecisionStore::keys(std::string_view id) const {
  std::string d(id);
  return {prefix_ + "dec:d:" + d, prefix_ + "dec:v:" + d, prefix_ + "dec:i:" + d};
}

std::string RedisDecisionStore::encode_decision(const store::StoredDecision& d) {
  std::string out;
  wire::put_field(out, d.meeting_id);
  wire::put_varint(out, d.required);
  wire::put_varint(out, static_cast<uint64_t>(d.deadline_ms));
  wire::put_varint(out, static_cast<uint64_t>(d.created_at_ms));
  wire::put_varint(out, d.has_eligible ? 1 : 0);
  wire::put_field(out, d.eligible_role);
  wire::put_varint(out, d.eligible_users.size());
  for (const auto& user : d.eligible_users) wire::put_field(out, user);
  return out;
}

bool RedisDecisionStore::decode_decision(std::string_view in, store::StoredDecision& d) {
  uint64_t required = 0, deadline = 0, created = 0, has_eligible = 0, users = 0;
  if (!wire::get_field(in, d.meeting_id) || !wire::get_varint(in, required) || !wire::get_varint(in, deadline) ||
      !wire::get_varint(in, created) || !wire::get_varint(in, has_eligible) || !wire::get_field(in, d.eligible_role) ||
      !wire::get_varint(in, users) || users > in.size()) {
    return false;
  }
  d.eligible_users.assign(users, {});
  for (auto& user : d.eligible_users) {
    if (!wire::get_field(in, user)) return false;
  }
  d.required = static_cast<uint32_t>(required);
  d.deadline_ms = static_cast<int64_t>(deadline);
  d.created_at_ms = static_cast<int64_t>(created);
  d.has_eligible = has_eligible != 0;
  return in.empty();
}

std::string RedisDecisionStore::encode_vote(const store::StoredVote& v) {
  std::string out;
  out += static_cast<char>(v.choice);
  wire::put_field(out, v.comment);
  wire::put_varint(out, static_cast<uint64_t>(v.cast_at_ms));
  return out;
}

bool RedisDecisionStore::decode_vote(std::string_view in, store::StoredVote& v) {
  if (in.empty() || static_cast<uint8_t>(in[0]) > static_cast<uint8_t>(store::VoteChoice::kAbstain)) return false;
  v.choice = static_cast<store::VoteChoice>(in[0]);
  in.remove_prefix(1);
  uint64_t at = 0;
  if (!wire::get_field(in, v.comment) || !wire::get_varint(in, at)) return false;
  v.cast_at_ms = static_cast<int64_t>(at);
  return in.empty();
}

std::optional<store::StoredDecision> RedisDecisionStore::parse(const redisReply* reply) {
  if (reply == nullptr || reply->type != REDIS_REPLY_ARRAY || reply->elements != 3) return std::nullopt;
  const redisReply* fields = reply->element[0];
  const redisReply* votes = reply->element[1];
  const redisReply* ids = reply->element[2];
  store::StoredDecision d;
  bool has_record = false;
  for (size_t i = 0; i + 1 < fields->elements; i += 2) {
    std::string_view name = reply_text(fields->element[i]), value = reply_text(fields->element[i + 1]);
    int64_t number = 0;
    if (name == "d") {
      has_record = decode_decision(value, d);
    } else if (name == "rev" && wire::parse_decimal(value, number)) {
      d.revision = static_cast<uint64_t>(number);
    } else if (name == "result") {
      d.closed = true;
      d.result = value;
    } else if (name == "completed" && wire::parse_decimal(value, number)) {
      d.completed_at_ms = number;
    }
  }
  if (!has_record) return std::nullopt;
  for (size_t i = 0; i + 1 < votes->elements; i += 2) {
    store::StoredVote v;
    v.user_id = reply_text(votes->element[i]);
    if (decode_vote(reply_text(votes->element[i + 1]), v)) d.votes.push_back(std::move(v));
  }
  for (size_t i = 0; i + 1 < ids->elements; i += 2) {
    std::string_view user = reply_text(ids->element[i]);
    for (auto& v : d.votes) {
      if (v.user_id == user) v.vote_id = reply_text(ids->element[i + 1]);
    }
  }
  // In the order they were cast, as the one-node store answers.
  std::stable_sort(d.votes.begin(), d.votes.end(),
                   [](const store::StoredVote& a, const store::StoredVote& b) { return a.cast_at_ms < b.cast_at_ms; });
  return d;
}

store::DecisionStore::CreateResult RedisDecisionStore::create(const store::StoredDecision& d, std::string& error) {
  std::vector<std::string> k = keys(d.id);
  k.push_back(prefix_ + "dec:open");
  OwnedReply reply = client_for(d.id).eval(create_script(), k, {d.id, encode_decision(d), std::to_string(d.deadline_ms)},
                                           error);
  if (!reply || reply->type != REDIS_REPLY_INTEGER) {
    error = failure(reply, error);
    return CreateResult::kFailed;
  }
  return reply->integer == 1 ? CreateResult::kCreated : CreateResult::kExists;
}

store::DecisionStore::VoteResult RedisDecisionStore::record_vote(std::string_view decision_id, store::StoredVote& vote,
                                                          store::StoredDecision* after, std::string& error) {
  OwnedReply reply = client_for(decision_id).eval(vote_script(), keys(decision_id),
                                                  {vote.user_id, encode_vote(vote), vote.vote_id}, error);
  if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements == 0) {
    error = failure(reply, error);
    return VoteResult::kFailed;
  }
  std::string_view status = reply_text(reply->element[0]);
  if (status == "missing") return VoteResult::kNotFound;
  if (status == "closed") return VoteResult::kClosed;
  if (status != "ok" || reply->elements != 3) {
    error = "store write failed: an unexpected answer";
    return VoteResult::kFailed;
  }
  vote.vote_id = reply_text(reply->element[1]);
  if (after != nullptr) {
    if (auto d = parse(reply->element[2])) {
      d->id = decision_id;
      *after = std::move(*d);
    }
  }
  return VoteResult::kRecorded;
}

store::DecisionStore::CloseResult RedisDecisionStore::close(std::string_view decision_id, std::string_view result,
                                                     int64_t completed_at_ms, uint64_t revision, std::string& error) {
  std::string id(decision_id);
  OwnedReply reply = client_for(id).eval(
      close_script(), {keys(id)[0], prefix_ + "dec:open", prefix_ + "dec:done"},
      {id, std::string(result), std::to_string(completed_at_ms), std::to_string(revision)}, error);
  if (!reply || reply->type != REDIS_REPLY_INTEGER) {
    error = failure(reply, error);
    return CloseResult::kFailed;
  }
  switch (reply->integer) {
    case 1: return CloseResult::kClosed;
    case 0: return CloseResult::kAlreadyClosed;
    case -2: return CloseResult::kStale;
    default: error = "no decision " + id; return CloseResult::kFailed;
  }
}

std::optional<store::StoredDecision> RedisDecisionStore::find(std::string_view id, std::string& error) {
  if (id.empty()) return std::nullopt;
  OwnedReply reply = client_for(id).eval(read_script(), keys(id), {}, error);
  if (!reply) {
    log::warn("store.decision_unreadable", {{"decision", std::string(id)}, {"error", error}});
    return std::nullopt;
  }
  auto d = parse(reply.get());
  if (d) d->id = id;
  return d;
}

std::vector<std::string> RedisDecisionStore::ids_in(const std::string& set, const std::string& min,
                                                    const std::string& max) {
  std::vector<std::string> ids;
  for (auto& client : clients_) {
    std::string error;
    OwnedReply reply = client->command({"ZRANGEBYSCORE", prefix_ + set, min, max}, error);
    if (!reply || reply->type != REDIS_REPLY_ARRAY) continue;
    for (size_t i = 0; i < reply->elements; ++i) ids.emplace_back(reply_text(reply->element[i]));
  }
  return ids;
}

std::vector<store::StoredDecision> RedisDecisionStore::load(int64_t closed_since_ms) {
  std::vector<store::StoredDecision> out;
  std::vector<std::string> ids = ids_in("dec:open", "-inf", "+inf");
  for (auto& id : ids_in("dec:done", std::to_string(closed_since_ms), "+inf")) ids.push_back(std::move(id));
  std::string error;  // one unreadable decision is left out (logged by find)
  for (const auto& id : ids) {
    if (auto d = find(id, error)) out.push_back(std::move(*d));
  }
  std::sort(out.begin(), out.end(), [](const store::StoredDecision& a, const store::StoredDecision& b) {
    return a.created_at_ms < b.created_at_ms;
  });
  return out;
}

std::vector<std::string> RedisDecisionStore::overdue(int64_t now_ms) {
  return ids_in("dec:open", "-inf", std::to_string(now_ms));
}

}  // namespace sb::cluster

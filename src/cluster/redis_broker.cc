#include "cluster/redis_broker.h"

#include <hiredis/hiredis.h>

#include <chrono>
#include <cstdio>

#include "cluster/covering_glob.h"
#include "cluster/publication_codec.h"
#include "cluster/redis_client.h"
#include "cluster/wire_fields.h"
#include "hub/memory_broker.h"
#include "hub/topic.h"
#include "observability/log.h"

namespace sb::cluster {

namespace {

// Numbers a publication, appends it to the channel's history and publishes it: one atomic
// step, so every node sees offsets in the order they were given.
// KEYS: history list, stream meta. ARGV: Redis channel, body, size, ttl ms, meta ttl s,
// epoch for a new stream, now ms.
constexpr std::string_view kPublishScript = R"(local epoch = redis.call('HGET', KEYS[2], 'epoch')
if not epoch then
  epoch = ARGV[6]
  redis.call('HSET', KEYS[2], 'epoch', epoch, 'offset', 0)
end
local offset = redis.call('HINCRBY', KEYS[2], 'offset', 1)
local message = offset .. ' ' .. epoch .. ' ' .. ARGV[2]
redis.call('RPUSH', KEYS[1], (tonumber(ARGV[7]) + tonumber(ARGV[4])) .. ' ' .. message)
redis.call('LTRIM', KEYS[1], -tonumber(ARGV[3]), -1)
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[5])
redis.call('PUBLISH', ARGV[1], message)
return {offset, epoch})";

// The stream's position and everything its history list holds, and the instance's origin
// (a random id kept in one key per instance, made when absent: a flush or a restart
// without persistence gives a new one). A channel that never published has no stream: an
// empty epoch, and no key is made for it. KEYS: history list, stream meta, origin.
// ARGV: an origin for an instance without one, meta ttl s.
constexpr std::string_view kReadScript = R"(local origin = redis.call('GET', KEYS[3])
if not origin then
  origin = ARGV[1]
  redis.call('SET', KEYS[3], origin)
end
local epoch = redis.call('HGET', KEYS[2], 'epoch')
if not epoch then
  return {'0', '', {}, origin}
end
redis.call('EXPIRE', KEYS[2], ARGV[2])
return {redis.call('HGET', KEYS[2], 'offset'), epoch, redis.call('LRANGE', KEYS[1], 0, -1), origin})";

const RedisScript& publish_script() {
  static const RedisScript script(kPublishScript);
  return script;
}

const RedisScript& read_script() {
  static const RedisScript script(kReadScript);
  return script;
}

uint64_t wall_ms() { return hub::MemoryBroker::system_clock_ms(); }


}  // namespace

size_t RedisBroker::shard_of(std::string_view channel, size_t shard_count) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : channel) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return shard_count == 0 ? 0 : static_cast<size_t>(hash % shard_count);
}

std::unique_ptr<RedisBroker> RedisBroker::start(hub::Hub& hub, Settings settings, std::string& error) {
  for (const auto& endpoint : settings.endpoints) {
    // Signs in and pings synchronously, once, so that a wrong URL stops the start.
    if (!RedisClient(endpoint).check(error)) {
      error += " (PUBSUB_REDIS_URL)";
      return nullptr;
    }
  }
  std::unique_ptr<RedisBroker> broker(new RedisBroker(hub, std::move(settings)));
  RedisBroker* self = broker.get();
  broker->loop_.post([self] { self->connect_all(); });
  broker->thread_ = std::thread([self] { self->loop_.run(); });
  return broker;
}

RedisBroker::RedisBroker(hub::Hub& hub, Settings settings) : hub_(hub), settings_(std::move(settings)) {
  shards_.resize(settings_.endpoints.size());
  presence_ = std::make_unique<RedisPresence>(
      hub_, loop_, [this](size_t shard) { return shards_[shard].command.get(); }, shards_.size(),
      RedisPresence::Settings{settings_.prefix, hub_.node_id(), settings_.presence_ttl_ms});
  presence_->set_departed(settings_.presence_departed);
  presence_->set_meeting_departed(settings_.meeting_departed);
  auto scope = [this] {
    return BrokerScope{hub_, loop_, [this](size_t shard) { return shards_[shard].command.get(); }, shards_.size(),
                       settings_.prefix, hub_.node_id(), settings_.presence_ttl_ms};
  };
  registry_ = std::make_unique<RedisRegistry>(scope());
  registry_->set_snapshot(settings_.node_totals);
  occupancy_ = std::make_unique<RedisOccupancy>(scope());
  relay_ = std::make_unique<RedisRelay>(
      loop_, [this](size_t shard) { return shards_[shard].command.get(); },
      [this](std::string_view name) { return shard_of(name, shards_.size()); }, settings_.prefix, hub_.node_id());
  loop_.on_sweep([this] {
    presence_->tick(loop_.now_ms());
    registry_->tick(loop_.now_ms());
  });
}

RedisBroker::~RedisBroker() {
  shutdown();
  shards_.clear();  // links close their connections here, after the loop stopped
}

void RedisBroker::shutdown() {
  loop_.stop();
  if (thread_.joinable()) thread_.join();
  // Replies still pending run (with nothing) when the links close: the loops they would
  // answer to are gone by then.
  stopped_ = true;
  if (presence_) presence_->stop();
  if (registry_) registry_->stop();
  if (occupancy_) occupancy_->stop();
  if (relay_) relay_->stop();
}

void RedisBroker::connect_all() {
  for (size_t i = 0; i < shards_.size(); ++i) {
    Shard& shard = shards_[i];
    shard.command = std::make_unique<RedisLink>(loop_, settings_.endpoints[i]);
    shard.subscriber = std::make_unique<RedisLink>(loop_, settings_.endpoints[i]);
    shard.subscriber->on_push([this, i](redisReply* reply) { on_push(i, reply); });
    shard.command->start([this, i] { on_command_ready(i); },
                         [this, i](const std::string& reason) { on_link_down(i, reason); });
    shard.subscriber->start([this, i] { on_subscriber_ready(i); },
                            [this, i](const std::string& reason) { on_link_down(i, reason); });
  }
}

std::string RedisBroker::key(std::string_view kind, std::string_view channel) const {
  std::string out = settings_.prefix;
  out += kind;
  out += channel;
  return out;
}

std::string RedisBroker::problem() const {
  if (links_down_.load(std::memory_order_relaxed) == 0) return {};
  std::lock_guard lock(problem_mutex_);
  return "redis unreachable: " + last_problem_;
}

void RedisBroker::on_link_down(size_t shard, const std::string& reason) {
  errors_.fetch_add(1, std::memory_order_relaxed);
  {
    std::lock_guard lock(problem_mutex_);
    last_problem_ = settings_.endpoints[shard].display() + ": " + reason;
  }
  links_down_.store(1, std::memory_order_relaxed);
  log::warn("redis.down", {{"redis", settings_.endpoints[shard].display()}, {"reason", reason}});
  // Reads waiting for a subscription on this instance cannot be answered safely now.
  for (auto& [channel, watch] : exact_) {
    if (shard_of(channel, shards_.size()) != shard) continue;
    watch.confirmed = false;
    watch.gap = true;  // whatever it publishes until the link is back is missed live
    for (auto& read : watch.waiting) {
      hub::HistoryResult failed;
      failed.ok = false;
      failed.error = "redis unreachable";
      failed.keeps_history = true;
      answer(read, std::move(failed));
    }
    watch.waiting.clear();
  }
  // Patterns cannot be confirmed on this instance now: their subscribers no longer wait for
  // it (only for the instances still up), as they do not while Redis is unreachable.
  std::vector<std::string> waiting_globs;
  for (const auto& [glob, waiters] : glob_waiters_) waiting_globs.push_back(glob);
  for (const auto& glob : waiting_globs) release_glob_waiters(glob, false);
}

void RedisBroker::on_command_ready(size_t shard) {
  reconnects_.fetch_add(1, std::memory_order_relaxed);
  bool all_up = true;
  for (const auto& s : shards_) all_up = all_up && s.command && s.command->ready() && s.subscriber && s.subscriber->ready();
  if (all_up) links_down_.store(0, std::memory_order_relaxed);
  log::info("redis.ready", {{"redis", settings_.endpoints[shard].display()}, {"link", "command"}});
  // The scripts first, on this connection: every EVALSHA after them finds them, so no
  // publication is retried out of order (a NOSCRIPT retry would overtake later ones).
  for (const RedisScript* script : {&publish_script(), &read_script()}) {
    shards_[shard].command->load(*script, [this](redisReply* reply) {
      if (reply_is_error(reply)) errors_.fetch_add(1, std::memory_order_relaxed);
    });
  }
  std::deque<OutgoingPublication> queued;
  queued.swap(shards_[shard].queued);
  for (auto& p : queued) send_publication(shard, std::move(p));
  presence_->on_ready(shard);
  registry_->on_ready(shard);
  occupancy_->on_ready(shard);
}

void RedisBroker::on_subscriber_ready(size_t shard) {
  bool all_up = true;
  for (const auto& s : shards_) all_up = all_up && s.command && s.command->ready() && s.subscriber && s.subscriber->ready();
  if (all_up) links_down_.store(0, std::memory_order_relaxed);
  log::info("redis.ready", {{"redis", settings_.endpoints[shard].display()}, {"link", "subscriber"}});
  // Everything this node listens to on this instance, again (a new connection starts with
  // nothing); confirmations still owed by the old connection will never come.
  std::erase_if(pending_subscribes_, [&](const auto& item) { return shard_of(item.first, shards_.size()) == shard; });
  for (auto& [channel, watch] : exact_) {
    if (shard_of(channel, shards_.size()) == shard) subscribe_exact(channel);
  }
  shards_[shard].pending_globs.clear();
  for (const auto& [glob, count] : globs_) psubscribe(shard, glob);
  if (shard == relay_->mailbox_shard()) shards_[shard].subscriber->subscribe_command({"SUBSCRIBE", relay_->mailbox()});
}

void RedisBroker::publish(std::shared_ptr<hub::Publication> publication, size_t origin, hub::PublishDone done) {
  OutgoingPublication out;
  out.origin = origin;
  out.done = std::move(done);
  if (publication->keep_in_history && settings_.retention) out.retention = settings_.retention(publication->channel);
  out.channel = publication->channel;
  out.body = encode_publication(*publication);
  // Delivered here too when it comes back from Redis, in the channel's order.
  loop_.post([this, out = std::move(out)]() mutable {
    size_t shard = shard_of(out.channel, shards_.size());
    send_publication(shard, std::move(out));
  });
}

void RedisBroker::accepted(OutgoingPublication& p, bool ok, hub::StreamPosition position) {
  if (!p.done || stopped_) return;
  hub_.run_on(p.origin, [done = std::move(p.done), ok, position = std::move(position)]() mutable {
    done(ok, std::move(position));
  });
}

void RedisBroker::send_publication(size_t shard, OutgoingPublication p) {
  Shard& s = shards_[shard];
  if (!s.command || !s.command->ready()) {
    if (p.done) {
      accepted(p, false, {});  // a backend hears at once that it was not taken
      return;
    }
    if (s.queued.size() >= settings_.max_queued) {
      errors_.fetch_add(1, std::memory_order_relaxed);
      log::warn("redis.publication_dropped", {{"channel", p.channel}, {"reason", "redis unreachable, queue full"}});
      return;
    }
    s.queued.push_back(std::move(p));
    return;
  }
  std::string channel = settings_.prefix + p.channel;
  if (!p.retention.keeps_history()) {
    std::string message(kUnnumberedPrefix);
    message += p.body;
    auto shared = std::make_shared<OutgoingPublication>(std::move(p));
    s.command->command({"PUBLISH", channel, message}, [this, shared](redisReply* reply) {
      if (reply_is_error(reply)) errors_.fetch_add(1, std::memory_order_relaxed);
      accepted(*shared, !reply_is_error(reply), {});
    });
    return;
  }
  std::vector<std::string> keys = {key("h:", p.channel), key("m:", p.channel)};
  std::vector<std::string> args = {channel, std::move(p.body), std::to_string(p.retention.size),
                                   std::to_string(uint64_t{p.retention.ttl_s} * 1000),
                                   std::to_string(settings_.meta_ttl_s), hub::new_epoch(), std::to_string(wall_ms())};
  auto shared = std::make_shared<OutgoingPublication>(std::move(p));
  s.command->eval(publish_script(), std::move(keys), std::move(args), [this, channel, shared](redisReply* reply) {
    if (reply_is_error(reply)) {
      errors_.fetch_add(1, std::memory_order_relaxed);
      log::warn("redis.publish_failed", {{"channel", channel}, {"error", std::string(reply_text(reply))}});
      accepted(*shared, false, {});
      return;
    }
    // The script answers {offset, epoch}.
    hub::StreamPosition position;
    if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 2) {
      position.offset = static_cast<uint64_t>(reply->element[0]->integer);
      position.epoch = reply_text(reply->element[1]);
    }
    accepted(*shared, true, std::move(position));
  });
}

void RedisBroker::read_history(std::string_view channel, uint64_t after_offset, size_t limit, size_t origin,
                               hub::HistoryDone done) {
  PendingRead read{std::string(channel), after_offset, limit, origin, std::move(done)};
  // Even a channel without history is answered only once its subscription is confirmed.
  loop_.post([this, read = std::move(read)]() mutable {
    auto it = exact_.find(read.channel);
    if (it != exact_.end() && !it->second.confirmed) {
      Shard& s = shards_[shard_of(read.channel, shards_.size())];
      if (s.subscriber && s.subscriber->ready()) {
        it->second.waiting.push_back(std::move(read));  // after the SUBSCRIBE is confirmed
        return;
      }
    }
    do_read(std::move(read));
  });
}

void RedisBroker::answer(PendingRead& read, hub::HistoryResult result) {
  if (stopped_) return;
  hub_.run_on(read.origin, [done = std::move(read.done), result = std::move(result)]() mutable {
    done(std::move(result));
  });
}

void RedisBroker::do_read(PendingRead read) {
  if (!settings_.retention || !settings_.retention(read.channel).keeps_history()) {
    answer(read, hub::HistoryResult{});  // nothing kept: the subscription was all to wait for
    return;
  }
  auto shared = std::make_shared<PendingRead>(std::move(read));
  read_stream(shared->channel, shared->after, shared->limit, [this, shared](hub::HistoryResult result) {
    result.scope.horizon_s = settings_.retention(shared->channel).ttl_s;
    answer(*shared, std::move(result));
  });
}

void RedisBroker::read_stream(const std::string& channel, uint64_t after, size_t limit,
                              std::function<void(hub::HistoryResult)> done) {
  size_t shard = shard_of(channel, shards_.size());
  std::vector<std::string> keys = {key("h:", channel), key("m:", channel), key("origin", "")};
  std::vector<std::string> args = {hub::new_epoch(), std::to_string(settings_.meta_ttl_s)};
  if (!shards_[shard].command || !shards_[shard].command->ready()) {
    hub::HistoryResult failed;
    failed.ok = false;
    failed.keeps_history = true;
    failed.error = "redis unreachable";
    done(std::move(failed));
    return;
  }
  shards_[shard].command->eval(read_script(), std::move(keys), std::move(args), [this, after, limit, done](redisReply* reply) {
    hub::HistoryResult result;
    result.keeps_history = true;
    if (reply == nullptr || reply->type != REDIS_REPLY_ARRAY || reply->elements != 4 ||
        reply->element[2]->type != REDIS_REPLY_ARRAY) {
      errors_.fetch_add(1, std::memory_order_relaxed);
      result.ok = false;
      result.error = reply == nullptr ? "redis unreachable" : "unexpected reply: " + std::string(reply_text(reply));
      done(std::move(result));
      return;
    }
    wire::parse_decimal(reply_text(reply->element[0]), result.top.offset);
    result.top.epoch = reply_text(reply->element[1]);
    uint64_t now = wall_ms();
    result.scope.origin = reply_text(reply->element[3]);
    result.scope.now_s = now / 1000;
    if (result.top.epoch.empty()) result.top.epoch = hub::unstarted_epoch(result.scope.origin, now / 1000);
    const redisReply* entries = reply->element[2];
    for (size_t i = 0; i < entries->elements; ++i) {
      std::string_view entry = reply_text(entries->element[i]);
      size_t space = entry.find(' ');
      uint64_t expires = 0;
      if (space == std::string_view::npos || !wire::parse_decimal(entry.substr(0, space), expires) || expires <= now) continue;
      auto p = decode_message(entry.substr(space + 1));
      if (!p || p->epoch != result.top.epoch) continue;
      p->published_mono_us = transport::EventLoop::monotonic_us();
      if (result.first_offset == 0) result.first_offset = p->offset;
      if (p->offset > after && result.publications.size() < limit) result.publications.push_back(std::move(p));
    }
    done(std::move(result));
  });
}

void RedisBroker::catch_up(const std::string& channel) {
  auto it = exact_.find(channel);
  if (it == exact_.end()) return;
  hub::StreamPosition from = it->second.delivered;
  // Live publications wait until the missed ones went out, so the channel stays in order.
  it->second.catching_up = true;
  read_stream(channel, from.offset, SIZE_MAX, [this, channel, from](hub::HistoryResult history) {
    auto watch = exact_.find(channel);
    if (watch == exact_.end() || stopped_) return;
    ExactWatch& w = watch->second;
    size_t replayed = 0;
    if (history.ok && history.top.epoch == from.epoch) {
      for (auto& p : history.publications) {
        if (p->offset <= w.delivered.offset) continue;
        w.delivered.offset = p->offset;
        hub_.fan_out(std::move(p), hub::Broker::kNoOrigin);
        ++replayed;
      }
    }
    // A lost history (another epoch) cannot be made good here: clients that resume later
    // learn it from their own position (recovered: false).
    log::info("redis.caught_up", {{"channel", channel}, {"missed", std::to_string(replayed)},
                                  {"history", history.ok && history.top.epoch == from.epoch ? "kept" : "lost"}});
    w.catching_up = false;
    std::vector<std::shared_ptr<hub::Publication>> held;
    held.swap(w.held);
    for (auto& p : held) deliver_publication(std::move(p));
  });
}

void RedisBroker::watch(std::string_view pattern) {
  loop_.post([this, pattern = std::string(pattern)] { add_watch(pattern); });
}

void RedisBroker::unwatch(std::string_view pattern) {
  loop_.post([this, pattern = std::string(pattern)] { remove_watch(pattern); });
}

void RedisBroker::subscribe_exact(const std::string& channel) {
  Shard& s = shards_[shard_of(channel, shards_.size())];
  if (s.subscriber && s.subscriber->subscribe_command({"SUBSCRIBE", settings_.prefix + channel})) {
    ++pending_subscribes_[channel];
  }
}

void RedisBroker::psubscribe(size_t shard, const std::string& glob) {
  Shard& s = shards_[shard];
  if (s.subscriber && s.subscriber->subscribe_command({"PSUBSCRIBE", glob})) ++s.pending_globs[glob];
}

bool RedisBroker::glob_confirmed(const std::string& glob) const {
  // An instance that is down has nothing to confirm now (as for exact channels): its
  // PSUBSCRIBE goes out again when it is back.
  for (const auto& s : shards_) {
    if (s.subscriber && s.subscriber->ready() && s.pending_globs.contains(glob)) return false;
  }
  return true;
}

void RedisBroker::release_glob_waiters(const std::string& glob, bool force) {
  auto it = glob_waiters_.find(glob);
  if (it == glob_waiters_.end() || (!force && !glob_confirmed(glob))) return;
  std::vector<GlobWaiter> waiters = std::move(it->second);
  glob_waiters_.erase(it);
  if (stopped_) return;
  for (auto& w : waiters) hub_.run_on(w.origin, std::move(w.done));
}

void RedisBroker::await_pattern(std::string_view pattern, size_t origin, std::function<void()> done) {
  // After the watch() that subscribed it: both are posted in order from the hub.
  loop_.post([this, glob = covering_glob(settings_.prefix, pattern), origin, done = std::move(done)]() mutable {
    glob_waiters_[glob].push_back(GlobWaiter{origin, std::move(done)});
    // Not watched (left meanwhile): answered at once, as it is once confirmed.
    release_glob_waiters(glob, !globs_.contains(glob));
  });
}

void RedisBroker::add_watch(const std::string& pattern) {
  if (!hub::has_wildcard(pattern)) {
    exact_.try_emplace(pattern);
    subscribe_exact(pattern);
    return;
  }
  std::string glob = covering_glob(settings_.prefix, pattern);
  patterns_[pattern] = glob;
  if (++globs_[glob] == 1) {
    for (size_t shard = 0; shard < shards_.size(); ++shard) psubscribe(shard, glob);
  }
}

void RedisBroker::remove_watch(const std::string& pattern) {
  if (!hub::has_wildcard(pattern)) {
    auto it = exact_.find(pattern);
    if (it == exact_.end()) return;
    std::vector<PendingRead> waiting = std::move(it->second.waiting);
    exact_.erase(it);
    for (auto& read : waiting) do_read(std::move(read));
    Shard& s = shards_[shard_of(pattern, shards_.size())];
    if (s.subscriber) s.subscriber->subscribe_command({"UNSUBSCRIBE", settings_.prefix + pattern});
    return;
  }
  auto it = patterns_.find(pattern);
  if (it == patterns_.end()) return;
  std::string glob = it->second;
  patterns_.erase(it);
  if (--globs_[glob] == 0) {
    globs_.erase(glob);
    release_glob_waiters(glob, true);
    for (auto& s : shards_) {
      if (s.subscriber) s.subscriber->subscribe_command({"PUNSUBSCRIBE", glob});
    }
  }
}

void RedisBroker::on_push(size_t shard, redisReply* reply) {
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 3) return;
  std::string_view kind = reply_text(reply->element[0]);
  const std::string& prefix = settings_.prefix;
  if (kind == "message") {
    if (reply_text(reply->element[1]) == relay_->mailbox()) {
      relay_->receive(reply_text(reply->element[2]));
      return;
    }
    deliver(reply_text(reply->element[2]));
  } else if (kind == "pmessage" && reply->elements == 4) {
    std::string_view glob = reply_text(reply->element[1]);
    std::string_view full = reply_text(reply->element[2]);
    if (!full.starts_with(prefix)) return;
    std::string channel(full.substr(prefix.size()));
    // Exactly once per node: a channel also subscribed exactly comes through that
    // subscription; among the node's globs that match it (at most kGlobLiteralSegments + 1,
    // whatever the patterns), only the shortest that this link has confirmed delivers (Redis
    // answers a PSUBSCRIBE before it sends anything through it, so a glob still pending here
    // has not sent this publication). The hub's trie decides who gets it.
    if (exact_.contains(channel)) return;
    const auto& pending = shards_[shard].pending_globs;
    bool canonical = false;
    for_each_covering_glob(prefix, channel, [&](std::string_view candidate) {
      std::string held(candidate);
      if (!globs_.contains(held) || pending.contains(held)) return false;
      canonical = candidate == glob;
      return true;
    });
    if (!canonical) return;
    deliver(reply_text(reply->element[3]));
  } else if (kind == "psubscribe") {
    std::string glob(reply_text(reply->element[1]));
    auto& pending = shards_[shard].pending_globs;
    auto it = pending.find(glob);
    if (it != pending.end() && --it->second == 0) pending.erase(it);
    release_glob_waiters(glob, false);
  } else if (kind == "subscribe") {
    std::string_view full = reply_text(reply->element[1]);
    if (!full.starts_with(prefix)) return;
    std::string channel(full.substr(prefix.size()));
    auto pending = pending_subscribes_.find(channel);
    if (pending != pending_subscribes_.end() && --pending->second == 0) pending_subscribes_.erase(pending);
    if (pending_subscribes_.contains(channel)) return;  // a later SUBSCRIBE is still on its way
    auto it = exact_.find(channel);
    if (it == exact_.end()) return;
    it->second.confirmed = true;
    // Subscribed again after the link dropped: what the channel published meanwhile comes
    // from its history, before anything live.
    if (it->second.gap) {
      it->second.gap = false;
      if (!it->second.delivered.epoch.empty()) catch_up(channel);
    }
    std::vector<PendingRead> waiting = std::move(it->second.waiting);
    it->second.waiting.clear();
    for (auto& read : waiting) do_read(std::move(read));
  }
}

void RedisBroker::deliver(std::string_view message) {
  auto p = decode_message(message);
  if (!p) {
    errors_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  p->published_mono_us = transport::EventLoop::monotonic_us();
  deliver_publication(std::move(p));
}

void RedisBroker::deliver_publication(std::shared_ptr<hub::Publication> p) {
  if (stopped_) return;
  if (p->offset != 0) {
    auto it = exact_.find(p->channel);
    if (it != exact_.end()) {
      ExactWatch& w = it->second;
      if (w.catching_up) {
        w.held.push_back(std::move(p));
        return;
      }
      // What the node has handed out of this stream: a catch-up starts after it.
      if (p->epoch == w.delivered.epoch && p->offset <= w.delivered.offset) return;  // caught up already
      w.delivered = {p->offset, p->epoch};
    }
  }
  hub_.fan_out(std::move(p), hub::Broker::kNoOrigin);
}

}  // namespace sb::cluster

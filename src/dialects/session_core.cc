#include "dialects/session_core.h"

#include <simdjson.h>

#include <algorithm>
#include <utility>

#include "dialects/server_events.h"

#include "hub/topic.h"
#include "json/json_writer.h"
#include "observability/log.h"
#include "transport/event_loop.h"

namespace sb::dialects {

std::weak_ptr<bool> SessionCore::open_token() {
  std::shared_ptr<bool>& token = occasional().open_token;
  if (!token) token = std::make_shared<bool>(true);
  return token;
}

SessionCore::SessionCore(SessionContext& context, hub::Subscriber& subscriber, std::string connection_id,
                         const char* dialect)
    : context_(context), subscriber_(subscriber), identity_(auth::anonymous_identity()) {
  info_.connection_id = hub::ConnectionId(connection_id);
  info_.dialect = dialect;
}

hub::ClusterCheck SessionCore::limit_check(uint32_t max_per_user, LimitVerdict& within_limit, bool named) {
  // Without a cluster the registry's own check covered everything: the caller gives the
  // verdict once the session is complete. A cluster answers later, on this loop.
  // An anonymous connection counts against no user.
  if (!within_limit || context_.registry.cluster() == nullptr || !named) return {};
  std::weak_ptr<bool> open = open_token();
  LimitVerdict verdict = std::move(within_limit);
  within_limit = nullptr;  // the cluster gives it
  return hub::ClusterCheck{
      context_.shard_index, [this, open, max_per_user, verdict = std::move(verdict)](uint32_t connections) {
        if (!open.lock()) return;  // closed: this session is gone
        bool within = max_per_user == 0 || connections <= max_per_user;
        // A refused connection leaves the registry now, not once its close handshake ends,
        // so that no count or list of the cluster shows it after the client was told.
        if (!within) unregister();
        verdict(within);
      }};
}

bool SessionCore::open(auth::IdentityPtr identity, uint32_t max_per_user, LimitVerdict within_limit) {
  info_.user_id = identity->anonymous ? std::string() : identity->user_id;
  info_.connected_at_ms = context_.loop.wall_ms();
  if (!context_.registry.try_add(&info_, max_per_user, limit_check(max_per_user, within_limit, !info_.user_id.empty()))) {
    log::info("session.refused", {{"connection", info_.connection_id}, {"dialect", info_.dialect},
                                  {"user", info_.user_id}, {"reason", "connections per user"}});
    return false;
  }
  registered_ = true;
  identity_ = std::move(identity);
  log::debug("session.open", {{"connection", info_.connection_id}, {"dialect", info_.dialect}, {"user", info_.user_id}});
  subscribe_implicit();
  if (within_limit) within_limit(true);  // left set only without a cluster
  return true;
}

bool SessionCore::set_identity(auth::IdentityPtr identity, uint32_t max_per_user, std::vector<std::string>& left,
                               LimitVerdict within_limit) {
  // The check is for the new user (an anonymous one counts against nobody).
  hub::ClusterCheck check;
  // info_.user_id changes only inside the registry: other loops read it there, under its
  // lock, as the key of the user's connections.
  if (!identity->anonymous && identity->user_id != info_.user_id) check = limit_check(max_per_user, within_limit, true);
  if (!context_.registry.set_user(&info_, identity->user_id, max_per_user, std::move(check))) return false;
  log::debug("session.auth", {{"connection", info_.connection_id}, {"dialect", info_.dialect}, {"user", info_.user_id}});
  // Another user's stored notifications are theirs to receive on this socket.
  if (identity_->user_id != identity->user_id) {
    notifications_handed_out_ = false;
    if (occasional_) occasional_->notification_fence.reset();
  }
  if (!identity_->anonymous && identity_->user_id != identity->user_id) {
    // Another user on the same socket: nothing of the previous user's may leak through.
    std::vector<std::string> joined_before = joined();
    left.insert(left.end(), joined_before.begin(), joined_before.end());
    drop_all_subscriptions();
    identity_ = std::move(identity);
  } else {
    unsubscribe_implicit();
    identity_ = std::move(identity);
    // The same user with a new token: what the new claims no longer allow is left, joined
    // or only watched.
    for (const auto& channel : joined()) {
      if (context_.policy.can_subscribe(*identity_, channel) == auth::Decision::kAllow) continue;
      leave(channel);
      left.push_back(channel);
    }
    if (std::vector<std::string>* list = watched()) {
      std::vector<std::string> watched_before = *list;
      for (const auto& channel : watched_before) {
        if (context_.policy.can_subscribe(*identity_, channel) == auth::Decision::kAllow) continue;
        unwatch(channel);
        left.push_back(channel);
      }
    }
  }
  subscribe_implicit();
  if (within_limit) within_limit(true);  // left set only without a cluster
  return true;
}

void SessionCore::subscribe_implicit() {
  // $all reaches every connection (maintenance notices); the rest need an identity. The
  // hub keeps these three apart from the trie: every connection has them.
  const auth::Identity& identity = *identity_;
  bool named = !identity.anonymous;
  std::string_view personal_user;
  if (named && hub::is_valid_channel("user:" + identity.user_id)) personal_user = identity.user_id;
  context_.shard().add_personal(subscriber_, personal_user, named);
  for (const auto& channel : role_channels(identity)) context_.shard().subscribe(subscriber_, channel);
}

void SessionCore::unsubscribe_implicit() {
  context_.shard().remove_personal(subscriber_);
  for (const auto& channel : role_channels(*identity_)) context_.shard().unsubscribe(subscriber_, channel);
}

std::vector<std::string> SessionCore::role_channels(const auth::Identity& identity) const {
  std::vector<std::string> channels;
  if (identity.anonymous) return channels;
  // broadcastToAuthenticated(minRole) publishes to $role:<minRole>: a connection hears
  // the channels of every role its own roles satisfy.
  const auto& hierarchy = context_.policy.roles();
  for (const auto& role : hierarchy.ordered()) {
    if (hierarchy.satisfies(identity, role)) channels.push_back("$role:" + role);
  }
  for (const auto& role : identity.roles()) {
    if (hierarchy.rank(role) < 0) channels.push_back("$role:" + role);
  }
  return channels;
}

SessionCore::JoinResult SessionCore::join(std::string_view pattern, size_t max_joined) {
  if (!hub::is_valid_pattern(pattern) || hub::is_reserved_channel(pattern)) return JoinResult::kInvalid;
  if (is_joined(pattern)) return JoinResult::kAlreadyJoined;
  switch (context_.policy.can_subscribe(*identity_, pattern)) {
    case auth::Decision::kAllow: break;
    case auth::Decision::kUnauthenticated: return JoinResult::kUnauthenticated;
    case auth::Decision::kForbidden: return JoinResult::kForbidden;
  }
  if (max_joined != 0 && joined_count_ >= max_joined) return JoinResult::kTooMany;
  bool exact = !hub::has_wildcard(pattern);
  // A capacity in a cluster: this node's place is taken now, the cluster's count comes later.
  bool checked = exact && context_.occupancy.checks_cluster(pattern);
  uint32_t ticket = checked ? ++tickets_ : 0;
  if (exact && !context_.occupancy.try_join(pattern, checked ? capacity_check(pattern, ticket) : hub::ClusterCheck{})) {
    return JoinResult::kFull;
  }
  context_.shard().subscribe(subscriber_, pattern);
  ++joined_count_;
  if (checked) {
    auto& checks = occasional().capacity_checks;
    if (!checks) checks = std::make_unique<std::vector<CapacityCheck>>();
    checks->push_back(CapacityCheck{std::string(pattern), ticket, {}});
  } else if (exact) {
    join_presence(pattern);
  }
  return JoinResult::kJoined;
}

void SessionCore::join_presence(std::string_view channel) {
  if (identity_->anonymous || !context_.presence.tracks(channel)) return;
  hub::PresenceMember me{identity_->user_id, identity_->name, identity_->avatar(), 0, 0, 0, {}, {}, 0};
  // The user's first connection here (in a cluster: anywhere): the others learn who
  // arrived. The answer may come later; it needs nothing of this connection by then.
  context_.presence.join(channel, me, context_.loop.wall_ms(), context_.shard_index,
                         [context = &context_, channel = std::string(channel), who = presence_subject()](bool joined) {
                           if (joined) publish_presence_join(context->hub, context->shard_index, channel, who,
                                                             context->loop.wall_ms());
                         });
}

hub::ClusterCheck SessionCore::capacity_check(std::string_view channel, uint32_t ticket) {
  std::weak_ptr<bool> open = open_token();
  uint32_t capacity = context_.occupancy.capacity(channel);
  return hub::ClusterCheck{context_.shard_index, [this, open, ticket, capacity](uint32_t members) {
                             if (open.lock()) settle_capacity(ticket, members > capacity);
                           }};
}

void SessionCore::settle_capacity(uint32_t ticket, bool full) {
  std::optional<CapacityCheck> check = take_capacity_check([ticket](const CapacityCheck& c) { return c.ticket == ticket; });
  if (!check) return;  // left meanwhile (its waiter was answered then)
  if (full) {
    // Other nodes took the last places first: the join is undone before the client hears
    // of it, and the waiting subscribe answer says full.
    log::info("session.room_full", {{"connection", info_.connection_id}, {"channel", check->channel}});
    --joined_count_;
    release(check->channel, false);
  } else {
    join_presence(check->channel);
  }
  if (check->waiter) check->waiter(full);
}

std::optional<SessionCore::CapacityCheck> SessionCore::take_capacity_check(
    const std::function<bool(const CapacityCheck&)>& which) {
  std::vector<CapacityCheck>* checks = capacity_checks();
  if (checks == nullptr) return std::nullopt;
  auto it = std::find_if(checks->begin(), checks->end(), which);
  if (it == checks->end()) return std::nullopt;
  CapacityCheck check = std::move(*it);
  checks->erase(it);
  if (checks->empty()) occasional_->capacity_checks.reset();
  return check;
}

SessionCore::CapacityCheck* SessionCore::pending_capacity(std::string_view channel) {
  std::vector<CapacityCheck>* checks = capacity_checks();
  if (checks == nullptr) return nullptr;
  for (auto& c : *checks) {
    if (c.channel == channel) return &c;
  }
  return nullptr;
}

PresenceSubject SessionCore::presence_subject() const {
  return PresenceSubject{identity_->user_id, identity_->name, identity_->avatar(), info_.connection_id.str()};
}

std::string SessionCore::user_json() const {
  return presence_user_json(presence_subject());
}

void SessionCore::leave_presence(const std::string& channel) {
  if (hub::has_wildcard(channel) || identity_->anonymous || !context_.presence.tracks(channel)) return;
  if (ActivityState* state = activity_state()) {
    for (auto& a : state->channels) {
      if (a.channel == channel && a.typing) send_typing(channel, false);
    }
  }
  // The answer may come after this connection is gone (a leave on close): it needs none of it.
  context_.presence.leave(channel, identity_->user_id, context_.loop.wall_ms(), context_.shard_index,
                          [context = &context_, channel, who = presence_subject()](bool left) {
                            if (left) publish_presence_leave(context->hub, context->shard_index, channel, who,
                                                             context->loop.wall_ms());
                          });
}

void SessionCore::publish_relay(std::string channel, std::string event_type, std::string data) {
  publish_event(std::move(channel), std::move(event_type), std::move(data), false);
}

void SessionCore::publish_event(std::string channel, std::string event_type, std::string data, bool echo_to_sender) {
  auto publication = std::make_shared<hub::Publication>();
  publication->id = context_.hub.next_publication_id();
  publication->channel = std::move(channel);
  publication->event_type = std::move(event_type);
  publication->data = std::move(data);
  publication->sender_user_id = identity_->user_id;
  publication->sender_name = identity_->name;
  publication->sender_connection_id = info_.connection_id;
  publication->echo_to_sender = echo_to_sender;
  publication->keep_in_history = false;  // presence and activity are news of the moment
  publication->time_ms = context_.loop.wall_ms();
  publication->published_mono_us = transport::EventLoop::monotonic_us();
  context_.hub.publish(publication, context_.shard_index);
}

bool SessionCore::is_joined(std::string_view channel) const {
  return !hub::is_reserved_channel(channel) && !is_watched(channel) && context_.shard().holds(subscriber_, channel);
}

void SessionCore::watch(std::string_view channel) {
  if (is_watched(channel)) return;
  context_.shard().subscribe(subscriber_, channel);
  auto& watched = occasional().watched;
  if (!watched) watched = std::make_unique<std::vector<std::string>>();
  watched->emplace_back(channel);
}

void SessionCore::unwatch(std::string_view channel) {
  if (!is_watched(channel)) return;
  std::erase(*watched(), channel);
  if (watched()->empty()) occasional_->watched.reset();
  context_.shard().unsubscribe(subscriber_, channel);
}

bool SessionCore::is_watched(std::string_view channel) const {
  std::vector<std::string>* list = watched();
  return list != nullptr && std::find(list->begin(), list->end(), channel) != list->end();
}

size_t SessionCore::watched_count() const {
  std::vector<std::string>* list = watched();
  return list == nullptr ? 0 : list->size();
}

SessionCore::Occasional& SessionCore::occasional() {
  if (!occasional_) occasional_ = std::make_unique<Occasional>();
  return *occasional_;
}

std::vector<std::string> SessionCore::joined() const {
  // The trie holds the joins; its other subscriptions of this session are role channels.
  std::vector<std::string> out = context_.shard().patterns_of(subscriber_);
  std::erase_if(out, [this](const std::string& pattern) {
    return hub::is_reserved_channel(pattern) || is_watched(pattern);
  });
  return out;
}

void SessionCore::presence(std::string_view channel, std::function<void(std::vector<hub::PresenceMember>)> done) {
  std::weak_ptr<bool> open = open_token();
  context_.presence.members(channel, context_.shard_index,
                            [open, done = std::move(done)](std::vector<hub::PresenceMember> members) {
                              if (open.lock()) done(std::move(members));
                            });
}

SessionCore::Activity& SessionCore::activity(std::string_view channel) {
  std::shared_ptr<ActivityState>& state = occasional().activity;
  if (!state) state = std::make_shared<ActivityState>();
  for (auto& a : state->channels) {
    if (a.channel == channel) return a;
  }
  Activity fresh;
  fresh.channel = channel;
  state->channels.push_back(std::move(fresh));
  return state->channels.back();
}

void SessionCore::send_typing(const std::string& channel, bool is_typing) {
  std::string data;
  json::ObjectWriter(data).string("channelId", channel).string("userId", identity_->user_id)
      .raw("user", user_json()).boolean("isTyping", is_typing).end();
  publish_relay(channel, "typing", std::move(data));
  for (auto& a : activity_state()->channels) {
    if (a.channel == channel) a.typing = is_typing;
  }
}

bool SessionCore::relay_typing(std::string_view channel, bool is_typing) {
  // Relays go to one channel the connection joined, never to a pattern it subscribed to.
  if (hub::has_wildcard(channel) || !is_joined(channel)) return false;
  Activity& a = activity(channel);
  uint64_t now = context_.loop.now_ms();
  context_.presence.touch(channel, identity_->user_id, context_.loop.wall_ms());
  if (!is_typing) {
    if (a.typing) send_typing(a.channel, false);
    return true;
  }
  bool was_typing = a.typing;
  a.typing_deadline_ms = now + context_.limits.typing_timeout_ms;
  if (was_typing) return true;  // already shown as typing: only the deadline moves
  std::string name = a.channel;
  send_typing(name, true);
  schedule_typing_expiry(name, context_.limits.typing_timeout_ms);
  return true;
}

void SessionCore::schedule_typing_expiry(const std::string& channel, uint32_t delay_ms) {
  // Ends the indicator when no news came in time (a closed tab, a lost "false").
  std::weak_ptr<ActivityState> weak = occasional().activity;
  context_.loop.call_later(delay_ms, [this, weak, channel] {
    auto state = weak.lock();
    if (!state) return;
    for (auto& a : state->channels) {
      if (a.channel != channel || !a.typing) continue;
      uint64_t now = context_.loop.now_ms();
      if (now >= a.typing_deadline_ms) {
        send_typing(channel, false);
      } else {
        schedule_typing_expiry(channel, static_cast<uint32_t>(a.typing_deadline_ms - now));
      }
      return;
    }
  });
}

void SessionCore::flush_cursor(const std::string& channel) {
  for (auto& a : activity_state()->channels) {
    if (a.channel != channel || a.cursor_pending.empty()) continue;
    a.cursor_sent_ms = context_.loop.now_ms();
    std::string data;
    data.swap(a.cursor_pending);
    publish_relay(channel, "cursor", std::move(data));
  }
}

bool SessionCore::relay_cursor(std::string_view channel, std::string fields) {
  if (hub::has_wildcard(channel) || !is_joined(channel)) return false;
  Activity& a = activity(channel);
  std::string data;
  json::ObjectWriter w(data);  // left open: the client's fields follow
  w.string("channelId", channel).string("userId", identity_->user_id).raw("user", user_json());
  if (!fields.empty()) {
    data += ',';
    data += fields;
  }
  data += '}';
  a.cursor_pending = std::move(data);
  uint32_t interval = 1000 / std::max<uint32_t>(1, context_.limits.cursor_max_per_second);
  uint64_t now = context_.loop.now_ms();
  if (now >= a.cursor_sent_ms + interval) {
    flush_cursor(a.channel);
    return true;
  }
  if (!a.cursor_timer) {
    // Within the interval: keep only the latest position and send it when the interval ends.
    a.cursor_timer = true;
    std::weak_ptr<ActivityState> weak = occasional().activity;
    std::string name = a.channel;
    context_.loop.call_later(static_cast<uint32_t>(a.cursor_sent_ms + interval - now), [this, weak, name] {
      auto state = weak.lock();
      if (!state) return;
      for (auto& act : state->channels) {
        if (act.channel == name) act.cursor_timer = false;
      }
      flush_cursor(name);
    });
  }
  return true;
}

void SessionCore::follow(std::string channel, std::optional<hub::StreamPosition> since,
                         std::function<void(const StreamState&)> answer) {
  std::vector<FollowRequest> one;
  one.push_back({std::move(channel), std::move(since)});
  follow(std::move(one), [answer = std::move(answer)](const std::vector<StreamState>& states) { answer(states[0]); });
}

// The history reads of one follow() call, answered together once all are in.
struct SessionCore::FollowBatch {
  std::vector<FollowRequest> requests;
  std::vector<uint32_t> tickets;
  std::vector<hub::HistoryResult> histories;
  size_t remaining = 0;
  std::vector<char> full;  // per request: the room was full across the cluster
  std::function<void(const std::vector<StreamState>&)> answer;
};

void SessionCore::follow(std::vector<FollowRequest> requests,
                         std::function<void(const std::vector<StreamState>&)> answer) {
  // A cluster broker answers once the node's subscription is in place in Redis, so that a
  // "subscribed" really means that publications from every node arrive from then on.
  bool any_stream = context_.hub.broker().wants_interest();
  for (const auto& r : requests) {
    if (hub::has_wildcard(r.channel)) continue;  // a pattern has no stream of its own
    any_stream = any_stream || r.since || context_.policy.retention(r.channel).keeps_history() ||
                 pending_capacity(r.channel) != nullptr;
  }
  if (!any_stream) {
    answer(std::vector<StreamState>(requests.size()));
    return;
  }
  auto batch = std::make_shared<FollowBatch>();
  batch->remaining = requests.size();
  batch->histories.resize(requests.size());
  batch->full.resize(requests.size());
  batch->answer = std::move(answer);
  for (const auto& r : requests) {
    if (hub::has_wildcard(r.channel)) {
      batch->tickets.push_back(0);  // nothing to hold: a pattern only waits for the broker
      continue;
    }
    forget_follow(r.channel);
    auto& follows = occasional().follows;
    if (!follows) follows = std::make_unique<std::vector<Follow>>();
    uint32_t ticket = ++tickets_;
    follows->push_back(Follow{r.channel, ticket, true, {}, 0, {}});
    batch->tickets.push_back(ticket);
  }
  batch->requests = std::move(requests);
  std::weak_ptr<bool> open = open_token();
  for (size_t i = 0; i < batch->requests.size(); ++i) {
    // A room whose cluster-wide count is awaited is answered with it (full: not joined).
    CapacityCheck* check = pending_capacity(batch->requests[i].channel);
    if (check == nullptr || check->waiter) continue;
    ++batch->remaining;
    check->waiter = [this, open, batch, i](bool full) {
      batch->full[i] = full;
      if (--batch->remaining == 0 && open.lock()) finish_follow(*batch);
    };
  }
  for (size_t i = 0; i < batch->requests.size(); ++i) {
    const FollowRequest& r = batch->requests[i];
    if (hub::has_wildcard(r.channel)) {
      context_.hub.broker().await_pattern(r.channel, context_.shard_index, [this, open, batch] {
        if (--batch->remaining == 0 && open.lock()) finish_follow(*batch);
      });
      continue;
    }
    uint64_t after = r.since ? r.since->offset : 0;
    size_t limit = r.since ? SIZE_MAX : 0;  // without since only the position is needed
    context_.hub.broker().read_history(r.channel, after, limit, context_.shard_index,
                                       [this, open, batch, i](hub::HistoryResult history) {
      batch->histories[i] = std::move(history);
      if (--batch->remaining == 0 && open.lock()) finish_follow(*batch);
    });
  }
}

void SessionCore::finish_follow(FollowBatch& batch) {
  auto find = [this](uint32_t ticket) -> Follow* {
    if (follows() == nullptr) return nullptr;
    for (auto& f : *follows()) {
      if (f.ticket == ticket) return &f;
    }
    return nullptr;
  };
  std::vector<StreamState> states(batch.requests.size());
  std::vector<std::vector<hub::PublicationPtr>> held(batch.requests.size());
  for (size_t i = 0; i < batch.requests.size(); ++i) {
    const hub::HistoryResult& history = batch.histories[i];
    const auto& since = batch.requests[i].since;
    StreamState& state = states[i];
    state.keeps_history = history.keeps_history;
    state.position = history.top;
    state.resumed = since.has_value();
    state.full = batch.full[i] != 0;
    state.recovered = since && !state.full && hub::can_recover(*since, history);
    if (!history.ok) log::warn("history.unavailable", {{"channel", batch.requests[i].channel}, {"error", history.error}});
    Follow* f = find(batch.tickets[i]);
    if (f == nullptr) continue;  // left (and maybe joined again) meanwhile
    // Everything up to the position answered counts as seen: replayed when recovered, and
    // not the client's to receive live otherwise.
    f->pending = false;
    f->fence = history.top;
    f->fence_until_ms = context_.loop.now_ms() + kFenceGraceMs;
    held[i].swap(f->held);
  }
  batch.answer(states);
  for (size_t i = 0; i < batch.requests.size(); ++i) {
    if (states[i].recovered) {
      replaying_ = true;
      for (const auto& p : batch.histories[i].publications) subscriber_.deliver(*p);
      replaying_ = false;
    }
    // Held live ones pass the fence in admit_followed(): duplicates of the replay drop.
    for (const auto& p : held[i]) subscriber_.deliver(*p);
    // Without history nothing has an offset to guard; with it the fence stays until the
    // stream moves past it (duplicates may still be on their way).
    if (!batch.histories[i].keeps_history) {
      if (Follow* f = find(batch.tickets[i])) forget_follow(f->channel);
    }
  }
}

bool SessionCore::admit_followed(const hub::Publication& p) {
  if (replaying_) return true;
  auto& list = *follows();
  // A fence on a quiet channel would otherwise stay for good, and every delivery of every
  // channel would come through here.
  uint64_t now = context_.loop.now_ms();
  std::erase_if(list, [now](const Follow& f) { return !f.pending && now >= f.fence_until_ms; });
  if (list.empty()) {
    occasional_->follows.reset();
    return true;
  }
  for (auto it = list.begin(); it != list.end(); ++it) {
    if (it->channel != p.channel) continue;
    if (it->pending) {
      hub::PublicationPtr owned = p.weak_from_this().lock();
      if (!owned) return true;  // not shared (never so from the hub): nothing to hold it by
      it->held.push_back(std::move(owned));
      return false;
    }
    if (p.epoch == it->fence.epoch && p.offset <= it->fence.offset) return false;  // replayed or seen
    // The first publication past the fence: every later one of the channel comes after it.
    list.erase(it);
    if (list.empty()) occasional_->follows.reset();
    return true;
  }
  return true;
}

void SessionCore::forget_follow(std::string_view channel) {
  std::vector<Follow>* list = follows();
  if (list == nullptr) return;
  std::erase_if(*list, [&](const Follow& f) { return f.channel == channel; });
  if (list->empty()) occasional_->follows.reset();
}

bool SessionCore::leave(std::string_view pattern) {
  if (!is_joined(pattern)) return false;
  std::string channel(pattern);
  --joined_count_;
  // Left before the cluster counted the room: the subscribe answer waiting for that count
  // goes out as joined, and this leave's own answer follows it.
  std::optional<CapacityCheck> check =
      take_capacity_check([&channel](const CapacityCheck& c) { return c.channel == channel; });
  release(channel, !check);
  if (check && check->waiter) check->waiter(false);
  return true;
}

void SessionCore::release(const std::string& channel, bool present) {
  forget_follow(channel);
  context_.shard().unsubscribe(subscriber_, channel);
  if (!hub::has_wildcard(channel)) context_.occupancy.leave(channel);
  if (present) leave_presence(channel);
  if (ActivityState* state = activity_state()) {
    std::erase_if(state->channels, [&](const Activity& a) { return a.channel == channel; });
  }
}

SessionCore::PublishResult SessionCore::publish(std::string channel, std::string event_type, std::string data,
                                               std::string client_metadata) {
  if (!hub::is_valid_channel(channel) || hub::is_reserved_channel(channel)) return PublishResult::kInvalid;
  switch (context_.policy.can_publish(*identity_, channel)) {
    case auth::Decision::kAllow: break;
    case auth::Decision::kUnauthenticated: return PublishResult::kUnauthenticated;
    case auth::Decision::kForbidden: return PublishResult::kForbidden;
  }
  if (is_server_event_type(event_type)) return PublishResult::kServerEventType;
  auto publication = std::make_shared<hub::Publication>();
  publication->id = context_.hub.next_publication_id();
  publication->channel = std::move(channel);
  publication->event_type = std::move(event_type);
  publication->data = std::move(data);
  publication->client_metadata = std::move(client_metadata);
  publication->sender_user_id = identity_->user_id;
  publication->sender_name = identity_->name;
  publication->sender_connection_id = info_.connection_id;
  publication->time_ms = context_.loop.wall_ms();
  publication->published_mono_us = transport::EventLoop::monotonic_us();
  context_.hub.publish(publication, context_.shard_index);
  return PublishResult::kPublished;
}

void SessionCore::drop_all_subscriptions() {
  std::vector<std::string> joined = this->joined();
  joined_count_ = 0;
  if (occasional_) occasional_->watched.reset();
  context_.shard().unsubscribe_all(subscriber_);
  std::unique_ptr<std::vector<CapacityCheck>> checks;
  if (occasional_) checks = std::move(occasional_->capacity_checks);
  for (const auto& channel : joined) {
    if (!hub::has_wildcard(channel)) context_.occupancy.leave(channel);
    bool counting = checks && std::any_of(checks->begin(), checks->end(),
                                          [&channel](const CapacityCheck& c) { return c.channel == channel; });
    if (!counting) leave_presence(channel);  // a room still being counted was not entered yet
  }
  if (occasional_) {
    occasional_->activity.reset();
    occasional_->follows.reset();
  }
  if (!checks) return;
  // Subscribe answers waiting for a room's count go out (as for leave()), after this call:
  // the caller is in the middle of changing the session.
  for (auto& c : *checks) {
    if (c.waiter) context_.loop.post([waiter = std::move(c.waiter)] { waiter(false); });
  }
}

std::string SessionCore::disconnect_reason(const hub::Publication& p) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::object object;
  std::string_view reason;
  if (parser.parse(p.data).get_object().get(object) == simdjson::SUCCESS &&
      object["reason"].get_string().get(reason) == simdjson::SUCCESS && !reason.empty()) {
    return std::string(reason);
  }
  return "disconnected by the server";
}

void SessionCore::close() {
  if (occasional_) occasional_->open_token.reset();  // answers still on their way are dropped
  drop_all_subscriptions();
  unregister();
}

void SessionCore::unregister() {
  if (!registered_) return;
  log::debug("session.close", {{"connection", info_.connection_id}, {"dialect", info_.dialect}, {"user", info_.user_id}});
  context_.registry.remove(&info_);
  registered_ = false;
}

}  // namespace sb::dialects

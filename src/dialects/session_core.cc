#include "dialects/session_core.h"

#include <algorithm>

#include "hub/topic.h"
#include "transport/event_loop.h"

namespace sb::dialects {

bool is_reserved_channel(std::string_view name) { return !name.empty() && name.front() == '$'; }

SessionCore::SessionCore(SessionContext& context, hub::Subscriber& subscriber, std::string connection_id,
                         std::string_view dialect)
    : context_(context), subscriber_(subscriber), identity_(auth::anonymous_identity()) {
  info_.connection_id = std::move(connection_id);
  info_.dialect = dialect;
}

bool SessionCore::open(auth::IdentityPtr identity, uint32_t max_per_user) {
  info_.user_id = identity->anonymous ? std::string() : identity->user_id;
  info_.connected_at_ms = context_.loop.wall_ms();
  if (!context_.registry.try_add(&info_, max_per_user)) return false;
  registered_ = true;
  identity_ = std::move(identity);
  for (const auto& channel : implicit_channels(*identity_)) context_.shard().subscribe(subscriber_, channel);
  return true;
}

bool SessionCore::set_identity(auth::IdentityPtr identity, uint32_t max_per_user) {
  if (!context_.registry.set_user(&info_, identity->user_id, max_per_user)) return false;
  if (!identity_->anonymous && identity_->user_id != identity->user_id) {
    // Another user on the same socket: nothing of the previous user's may leak through.
    drop_all_subscriptions();
  } else {
    for (const auto& channel : implicit_channels(*identity_)) context_.shard().unsubscribe(subscriber_, channel);
  }
  identity_ = std::move(identity);
  for (const auto& channel : implicit_channels(*identity_)) context_.shard().subscribe(subscriber_, channel);
  return true;
}

std::vector<std::string> SessionCore::implicit_channels(const auth::Identity& identity) const {
  std::vector<std::string> channels;
  if (identity.anonymous) return channels;
  std::string personal = "user:" + identity.user_id;
  if (hub::is_valid_channel(personal)) channels.push_back(std::move(personal));
  channels.emplace_back("$authenticated");
  // broadcastToAuthenticated(minRole) publishes to $role:<minRole>: a connection hears
  // the channels of every role its own roles satisfy.
  const auto& hierarchy = context_.policy.roles();
  for (const auto& role : hierarchy.ordered()) {
    if (hierarchy.satisfies(identity, role)) channels.push_back("$role:" + role);
  }
  for (const auto& role : identity.roles) {
    if (hierarchy.rank(role) < 0) channels.push_back("$role:" + role);
  }
  return channels;
}

SessionCore::JoinResult SessionCore::join(std::string_view pattern, size_t max_joined) {
  if (!hub::is_valid_pattern(pattern) || is_reserved_channel(pattern)) return JoinResult::kInvalid;
  if (std::find(joined_.begin(), joined_.end(), pattern) != joined_.end()) return JoinResult::kAlreadyJoined;
  switch (context_.policy.can_subscribe(*identity_, pattern)) {
    case auth::Decision::kAllow: break;
    case auth::Decision::kUnauthenticated: return JoinResult::kUnauthenticated;
    case auth::Decision::kForbidden: return JoinResult::kForbidden;
  }
  if (max_joined != 0 && joined_.size() >= max_joined) return JoinResult::kTooMany;
  bool exact = !hub::has_wildcard(pattern);
  if (exact && !context_.occupancy.try_join(pattern)) return JoinResult::kFull;
  context_.shard().subscribe(subscriber_, pattern);
  joined_.emplace_back(pattern);
  return JoinResult::kJoined;
}

bool SessionCore::leave(std::string_view pattern) {
  auto it = std::find(joined_.begin(), joined_.end(), pattern);
  if (it == joined_.end()) return false;
  context_.shard().unsubscribe(subscriber_, pattern);
  if (!hub::has_wildcard(pattern)) context_.occupancy.leave(pattern);
  joined_.erase(it);
  return true;
}

auth::Decision SessionCore::can_publish(std::string_view channel) const {
  if (is_reserved_channel(channel)) return auth::Decision::kForbidden;
  return context_.policy.can_publish(*identity_, channel);
}

void SessionCore::publish(std::string channel, std::string event_type, std::string data, std::string metadata) {
  auto publication = std::make_shared<hub::Publication>();
  publication->id = context_.hub.next_publication_id();
  publication->channel = std::move(channel);
  publication->event_type = std::move(event_type);
  publication->data = std::move(data);
  publication->metadata = std::move(metadata);
  publication->sender_user_id = identity_->user_id;
  publication->sender_name = identity_->name;
  publication->sender_connection_id = info_.connection_id;
  publication->time_ms = context_.loop.wall_ms();
  publication->published_mono_us = transport::EventLoop::monotonic_us();
  context_.hub.publish(publication, context_.shard_index);
}

void SessionCore::drop_all_subscriptions() {
  context_.shard().unsubscribe_all(subscriber_);
  for (const auto& channel : joined_) {
    if (!hub::has_wildcard(channel)) context_.occupancy.leave(channel);
  }
  joined_.clear();
}

void SessionCore::close() {
  drop_all_subscriptions();
  if (registered_) {
    context_.registry.remove(&info_);
    registered_ = false;
  }
}

}  // namespace sb::dialects

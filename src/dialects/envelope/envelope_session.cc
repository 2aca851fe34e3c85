#include "dialects/envelope/envelope_session.h"

#include "json/json_writer.h"
#include "dialects/text_frame.h"

namespace sb::dialects::envelope {

namespace ws = protocol::websocket;

namespace {
constexpr std::string_view kNotificationsAlias = "user:notifications";
}  // namespace

EnvelopeSession::EnvelopeSession(SessionContext& context, size_t encoding_slot, auth::IdentityPtr identity,
                                 bool url_token_failed, std::string connection_id)
    : core_(context, *this, std::move(connection_id), "envelope"),
      pending_identity_(std::move(identity)),
      rate_(context.limits.messages_per_second, 1000),
      encoding_slot_(static_cast<uint8_t>(encoding_slot)),
      url_token_failed_(url_token_failed) {}

std::string EnvelopeSession::next_id() {
  return std::string(core_.connection_id()) + "-" + std::to_string(++message_counter_);
}

void EnvelopeSession::send(std::string_view type, std::string_view payload, std::string_view correlation_id) {
  if (ws_ == nullptr) return;
  std::string metadata;
  if (!correlation_id.empty()) json::ObjectWriter(metadata).string("correlationId", correlation_id).end();
  ws_->send_text(render(next_id(), type, payload, now_ms(), metadata));
  context().metrics.messages_out.fetch_add(1, std::memory_order_relaxed);
}

void EnvelopeSession::send_error(std::string_view code, std::string_view message, std::string_view correlation_id,
                                 std::string_view details) {
  if (ws_ == nullptr) return;
  context().metrics.count_error(code == "RATE_LIMITED" ? 429 : code == "FORBIDDEN" ? 403 : code == "AUTH_FAILED" ? 401 : 400);
  ws_->send_text(render_error(next_id(), code, message, now_ms(), details, correlation_id));
  context().metrics.messages_out.fetch_add(1, std::memory_order_relaxed);
}

void EnvelopeSession::on_open(ws::WebSocketConnection& ws) {
  ws_ = &ws;
  if (context().maintenance.load(std::memory_order_relaxed)) {
    send_error("MAINTENANCE", "the service is in maintenance; try again later");
    ws.close(ws::CloseCode::kTryAgainLater, "maintenance");
    return;
  }
  auth::IdentityPtr identity = std::move(pending_identity_);
  core_.open(auth::anonymous_identity(), 0);
  if (url_token_failed_) {
    send_error("AUTH_FAILED", "the token in the URL is invalid or expired");
    ws.close(ws::CloseCode::kPolicyViolation, "authentication failed");
    return;
  }
  if (!identity->anonymous) {
    std::vector<std::string> left;  // nothing joined yet
    core_.set_identity(std::move(identity), 0, left);
    established();
  }
  // Without a URL token the client authenticates with an AUTH message.
}

void EnvelopeSession::established() {
  const auth::Identity& identity = core_.identity();
  std::string payload;
  json::ObjectWriter(payload).string("sessionId", core_.connection_id()).string("userId", identity.user_id)
      .raw("permissions", json::string_array(identity.permissions())).raw("roles", json::string_array(identity.roles())).end();
  send("CONNECTION_ESTABLISHED", payload);
}

void EnvelopeSession::authenticate(const std::string& token, const std::string& correlation_id) {
  auto identity = auth::make_identity();
  auth::JwtStatus status = context().jwt.verify(token, static_cast<int64_t>(now_ms() / 1000), *identity);
  if (status != auth::JwtStatus::kOk) {
    send_error("AUTH_FAILED", auth::to_string(status), correlation_id);
    return;
  }
  std::vector<std::string> left;
  core_.set_identity(std::move(identity), 0, left);
  established();
  if (!left.empty()) {
    // The new token does not allow these any more: they are left, and the client told.
    std::string payload;
    json::ObjectWriter(payload).raw("channels", json::string_array(left)).string("reason", "permission revoked").end();
    send("UNSUBSCRIBED", payload, correlation_id);
  }
}

void EnvelopeSession::on_message(ws::WebSocketConnection&, ws::Opcode, std::string_view data) {
  context().metrics.messages_in.fetch_add(1, std::memory_order_relaxed);
  ClientMessage m = parse_client_message(data);
  uint64_t retry_after = 0;
  if (!rate_.try_take(context().loop.now_ms(), retry_after)) {
    std::string details;
    json::ObjectWriter(details).number("retryAfter", static_cast<int64_t>(retry_after)).end();
    send_error("RATE_LIMITED", "too many messages", m.id, details);
    return;
  }
  if (!m.ok) {
    send_error("INVALID_MESSAGE", m.error_message, m.id);
    return;
  }
  if (m.type == ClientType::kPing) {
    send("PONG", "{}", m.id);
    return;
  }
  if (m.type == ClientType::kAuth) {
    authenticate(m.token, m.id);
    return;
  }
  if (core_.identity().anonymous) {
    send_error("AUTH_FAILED", "authenticate first: ?token= in the URL or an AUTH message", m.id);
    return;
  }
  switch (m.type) {
    case ClientType::kSubscribe:
      handle_subscribe(m);
      return;
    case ClientType::kUnsubscribe:
      handle_unsubscribe(m);
      return;
    case ClientType::kTyping:
      if (!core_.relay_typing(m.channel, m.is_typing)) {
        send_error("FORBIDDEN", "subscribe to " + m.channel + " before sending typing indicators", m.id);
      }
      return;
    case ClientType::kCursor:
      if (!core_.relay_cursor(m.channel, std::move(m.cursor_fields))) {
        send_error("FORBIDDEN", "subscribe to " + m.channel + " before sending cursor positions", m.id);
      }
      return;
    case ClientType::kGetPresence:
      handle_presence(m);
      return;
    case ClientType::kNotificationRead:
      handle_notification_read(m);
      return;
    case ClientType::kPing:
    case ClientType::kAuth:
      return;
  }
}

void EnvelopeSession::handle_subscribe(const ClientMessage& m) {
  std::vector<std::string> joined;
  std::vector<SessionCore::FollowRequest> streams;  // the joined channels (not patterns)
  std::string failed = "[";
  bool wants_notifications = false;
  for (const auto& channel : m.channels) {
    if (channel == kNotificationsAlias) {
      // The caller's own notifications: served from their personal channel.
      joined.push_back(channel);
      wants_notifications = true;
      continue;
    }
    std::string reason, code = "SUBSCRIPTION_FAILED", details;
    switch (core_.join(channel, context().limits.max_subscriptions)) {
      case SessionCore::JoinResult::kJoined:
      case SessionCore::JoinResult::kAlreadyJoined: {
        joined.push_back(channel);
        streams.push_back({channel, since_for(m.since, channel)});  // a pattern has no since
        continue;
      }
      case SessionCore::JoinResult::kInvalid:
        reason = "Invalid channel name";
        break;
      case SessionCore::JoinResult::kUnauthenticated:
      case SessionCore::JoinResult::kForbidden: {
        reason = "Insufficient permissions";
        code = "FORBIDDEN";
        const auth::AccessRule& rule = context().policy.subscribe_rule(channel);
        json::ObjectWriter d(details);
        d.string("channel", channel);
        if (!rule.permission.empty()) d.string("requiredPermission", rule.permission);
        if (!rule.role.empty()) d.string("requiredRole", rule.role);
        d.end();
        break;
      }
      case SessionCore::JoinResult::kFull:
        reason = "Channel is full";
        break;
      case SessionCore::JoinResult::kTooMany:
        reason = "Too many subscriptions";
        break;
    }
    subscription_failed(failed, channel, reason, code, std::move(details), m.id);
  }
  std::vector<std::string> names;
  for (const auto& r : streams) names.push_back(r.channel);
  // Confirmed once every joined channel's stream position is known, before any replay.
  core_.follow(std::move(streams), [this, joined = std::move(joined), failed = std::move(failed), names, id = m.id,
                                    wants_notifications](std::vector<StreamState> states) mutable {
    // Rooms the cluster found full were left again: failed, as if refused at once.
    for (const auto& channel : take_full(names, states)) {
      std::erase(joined, channel);
      subscription_failed(failed, channel, "Channel is full", "SUBSCRIPTION_FAILED", {}, id);
    }
    failed += ']';
    std::string payload;
    json::ObjectWriter w(payload);
    w.raw("channels", json::string_array(joined)).raw("failed", failed);
    write_stream_states(w, names, states);
    w.end();
    send("SUBSCRIPTION_CONFIRMED", payload, id);
    if (wants_notifications) deliver_unread_notifications();
  });
}

void EnvelopeSession::subscription_failed(std::string& failed, const std::string& channel, std::string_view reason,
                                          std::string_view code, std::string details, const std::string& id) {
  if (failed.size() > 1) failed += ',';
  json::ObjectWriter(failed).string("channel", channel).string("reason", reason).string("code", code).end();
  if (details.empty()) json::ObjectWriter(details).string("channel", channel).end();
  std::string message = code == "FORBIDDEN" ? "You don't have permission to subscribe to " + channel
                                             : "Cannot subscribe to " + channel + ": " + std::string(reason);
  send_error("SUBSCRIPTION_FAILED", message, id, details);
}

void EnvelopeSession::handle_unsubscribe(const ClientMessage& m) {
  for (const auto& channel : m.channels) core_.leave(channel);
  std::string payload;
  json::ObjectWriter(payload).raw("channels", json::string_array(m.channels)).end();
  send("UNSUBSCRIBED", payload, m.id);
}

void EnvelopeSession::handle_presence(const ClientMessage& m) {
  if (!core_.is_joined(m.channel)) {
    send_error("FORBIDDEN", "subscribe to " + m.channel + " to see who is there", m.id);
    return;
  }
  core_.presence(m.channel, [this, channel = m.channel, id = m.id](std::vector<hub::PresenceMember> members) {
    std::string users = "[";
    for (const auto& member : members) {
      if (users.size() > 1) users += ',';
      json::ObjectWriter u(users);
      u.string("id", member.user_id).string("name", member.name);
      if (!member.avatar.empty()) u.string("avatar", member.avatar);
      u.number("connections", member.connections).string("lastSeen", json::iso8601(member.last_seen_ms)).end();
    }
    users += ']';
    std::string payload;
    json::ObjectWriter(payload).string("channelId", channel).raw("users", users).end();
    send("PRESENCE_LIST", payload, id);
  });
}

void EnvelopeSession::handle_notification_read(const ClientMessage& m) {
  bool all = m.all;
  bool queued = core_.mark_notification_read(
      all ? std::string() : m.notification_id, [this, all, id = m.notification_id, correlation = m.id](int updated) {
        if (updated == store::NotificationStore::kUnavailable) {
          send_error("SERVER_ERROR", "notifications cannot be updated right now: try again", correlation);
          return;
        }
        std::string payload;
        json::ObjectWriter p(payload);
        if (all) p.boolean("all", true); else p.string("notificationId", id);
        p.number("updated", updated).end();
        send("NOTIFICATION_READ_CONFIRMED", payload, correlation);
      });
  if (!queued) send_error("INVALID_MESSAGE", "no notification store is configured", m.id);
}

void EnvelopeSession::deliver_unread_notifications() {
  // Seed 000's client subscribes to its notifications on every connect, and may do so
  // twice on one connection: the core hands them out once.
  core_.stored_notifications_once([this](std::vector<store::StoredNotification> unread) {
    std::string metadata;
    json::ObjectWriter(metadata).string("channel", kNotificationsAlias).boolean("stored", true).end();
    for (const auto& n : unread) {
      if (ws_ == nullptr) return;
      ws_->send_text(render(n.id, "NOTIFICATION", n.payload, static_cast<uint64_t>(n.created_at_ms), metadata));
    }
  });
}

void EnvelopeSession::deliver(const hub::Publication& publication) {
  if (ws_ == nullptr) return;
  if (core_.disconnect_ordered(publication)) {
    send_error("DISCONNECTED", SessionCore::disconnect_reason(publication));
    ws_->close(ws::CloseCode::kPolicyViolation, "disconnected by the server");
    return;
  }
  if (!core_.wants(publication)) return;
  send_publication(*ws_, publication, encoding_slot_, render_publication);
}

void EnvelopeSession::on_tick(ws::WebSocketConnection& ws, uint64_t) {
  if (core_.token_expired(now_ms())) {
    send_error("AUTH_FAILED", "token expired");
    ws.close(ws::CloseCode::kPolicyViolation, "token expired");
  }
}

void EnvelopeSession::on_disconnected(ws::WebSocketConnection&, uint16_t) {
  core_.close();
  ws_ = nullptr;
}

}  // namespace sb::dialects::envelope

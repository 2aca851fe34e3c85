#include "dialects/topics/topics_session.h"

#include "dialects/text_frame.h"

namespace sb::dialects::topics {

namespace ws = protocol::websocket;

TopicsSession::TopicsSession(SessionContext& context, size_t encoding_slot, auth::IdentityPtr identity,
                             bool url_token_failed, std::string connection_id)
    : core_(context, *this, std::move(connection_id), "topics"),
      encoding_slot_(static_cast<uint8_t>(encoding_slot)),
      url_token_failed_(url_token_failed),
      rate_(context.limits.messages_per_second, 1000) {
  core_.hold_identity(std::move(identity));
}

void TopicsSession::on_open(ws::WebSocketConnection& ws) {
  ws_ = &ws;
  auth::IdentityPtr identity = core_.held_identity();
  core_.open(identity, 0);
  // A token in the URL is answered as an `auth` message would be; without one the client
  // authenticates with that message.
  if (url_token_failed_) {
    context().metrics.count_error(401);
    send(render_auth_error("Invalid token in the URL", now_ms()));
  } else if (!identity->anonymous) {
    send(render_auth_success(identity->user_id, now_ms()));
  }
}

void TopicsSession::send(const std::string& text) {
  if (ws_ == nullptr) return;
  ws_->send_text(text);
  context().metrics.messages_out.fetch_add(1, std::memory_order_relaxed);
}

void TopicsSession::send_error(int code, std::string_view message, std::string_view field, std::string_view issue,
                               uint64_t retry_after_ms) {
  context().metrics.count_error(code);
  send(render_error(code, message, field, issue, now_ms(), retry_after_ms));
}

void TopicsSession::on_message(ws::WebSocketConnection&, ws::Opcode, std::string_view data) {
  context().metrics.messages_in.fetch_add(1, std::memory_order_relaxed);
  uint64_t retry_after = 0;
  if (!rate_.try_take(context().loop.now_ms(), retry_after)) {
    // Not accepted: the client is told when to try again, nothing is published.
    send_error(429, "Too many messages", "type", "rate limit", retry_after);
    return;
  }
  ClientMessage message = parse_client_message(data);
  if (!message.ok) {
    send_error(400, message.error_message, message.error_field, message.error_issue);
    return;
  }
  switch (message.type) {
    case ClientType::kPing:
      send(render_pong(now_ms()));
      return;
    case ClientType::kAuth:
      handle_auth(message.token);
      return;
    case ClientType::kSubscribe:
    case ClientType::kUnsubscribe:
      if (core_.identity().anonymous) {
        send_error(401, "Authentication required", "type", "authenticate first");
        return;
      }
      handle_subscribe(message.topic, message.type == ClientType::kSubscribe, std::move(message.since));
      return;
    case ClientType::kMessage:
      if (core_.identity().anonymous) {
        send_error(401, "Authentication required", "type", "authenticate first");
        return;
      }
      handle_publish(message);
      return;
  }
}

void TopicsSession::handle_auth(const std::string& token) {
  auto identity = auth::make_identity();
  auth::JwtStatus status = context().jwt.verify(token, static_cast<int64_t>(now_ms() / 1000), *identity);
  if (status != auth::JwtStatus::kOk) {
    context().metrics.count_error(401);
    send(render_auth_error(auth::to_string(status), now_ms()));
    return;
  }
  std::string user_id = identity->user_id;
  std::vector<std::string> left;
  core_.set_identity(std::move(identity), 0, left);
  send(render_auth_success(user_id, now_ms()));
  // Subscriptions the new token does not allow are gone: the client hears which.
  for (const auto& topic : left) send(render_subscription(false, topic, now_ms()));
}

void TopicsSession::handle_subscribe(const std::string& topic, bool subscribe,
                                     std::optional<hub::StreamPosition> since) {
  if (!subscribe) {
    core_.leave(topic);
    send(render_subscription(false, topic, now_ms()));
    return;
  }
  switch (core_.join(topic, context().limits.max_subscriptions)) {
    case SessionCore::JoinResult::kJoined:
    case SessionCore::JoinResult::kAlreadyJoined:
      // Confirmed once the stream position is known (a pattern: once the cluster hears it).
      core_.follow(topic, std::move(since), [this, topic](const StreamState& stream) {
        if (stream.full) {
          send_error(403, "Channel is full", "topic", "capacity reached");
          return;
        }
        send(render_subscription(true, topic, now_ms(), stream));
      });
      return;
    case SessionCore::JoinResult::kInvalid:
      send_error(400, "Invalid topic", "topic", "invalid");
      return;
    case SessionCore::JoinResult::kUnauthenticated:
      send_error(401, "Authentication required for this topic", "topic", "unauthorized");
      return;
    case SessionCore::JoinResult::kForbidden:
      send_error(403, "Forbidden", "topic", "not allowed to subscribe");
      return;
    case SessionCore::JoinResult::kFull:
      send_error(403, "Channel is full", "topic", "capacity reached");
      return;
    case SessionCore::JoinResult::kTooMany:
      send_error(429, "Too many subscriptions", "topic", "subscription limit reached");
      return;
  }
}

void TopicsSession::handle_publish(ClientMessage& message) {
  std::string event_type = message.event_type;
  switch (core_.publish(std::move(message.topic), std::move(message.event_type), std::move(message.data),
                        std::move(message.metadata))) {
    case SessionCore::PublishResult::kPublished:
      return;
    case SessionCore::PublishResult::kInvalid:
      send_error(400, "Invalid topic", "topic", "publish to one concrete topic, not a pattern");
      return;
    case SessionCore::PublishResult::kUnauthenticated:
      send_error(401, "Authentication required for this topic", "topic", "unauthorized");
      return;
    case SessionCore::PublishResult::kForbidden:
      send_error(403, "Forbidden", "topic", "not allowed to publish");
      return;
    case SessionCore::PublishResult::kServerEventType:
      send_error(400, "eventType \"" + event_type.substr(0, 64) + "\" is reserved for server messages", "eventType",
                 "reserved");
      return;
  }
}

void TopicsSession::deliver(const hub::Publication& publication) {
  if (ws_ == nullptr) return;
  if (core_.disconnect_ordered(publication)) {
    send(render_auth_error(SessionCore::disconnect_reason(publication), now_ms()));
    ws_->close(ws::CloseCode::kPolicyViolation, "disconnected by the server");
    return;
  }
  if (!core_.wants(publication)) return;
  // Counted per publication by the hub shard (deliveries), not here per subscriber.
  send_publication(*ws_, publication, encoding_slot_, render_publication);
}

void TopicsSession::on_tick(ws::WebSocketConnection& ws, uint64_t) {
  if (core_.token_expired(now_ms())) {
    context().metrics.count_error(401);
    send(render_auth_error("Token expired", now_ms()));
    ws.close(ws::CloseCode::kPolicyViolation, "token expired");
  }
}

void TopicsSession::on_disconnected(ws::WebSocketConnection&, uint16_t) {
  core_.close();
  ws_ = nullptr;
}

}  // namespace sb::dialects::topics

#include "dialects/topics/topics_session.h"

#include "dialects/topics/topics_protocol.h"
#include "protocol/websocket/frame.h"

namespace sb::dialects::topics {

namespace ws = protocol::websocket;

TopicsSession::TopicsSession(SessionContext& context, size_t encoding_slot, std::string connection_id)
    : context_(context),
      identity_(auth::anonymous_identity()),
      connection_id_(std::move(connection_id)),
      encoding_slot_(static_cast<uint8_t>(encoding_slot)) {}

void TopicsSession::send(const std::string& text) {
  if (ws_ == nullptr) return;
  ws_->send_text(text);
  context_.metrics.messages_out.fetch_add(1, std::memory_order_relaxed);
}

void TopicsSession::send_error(int code, std::string_view message, std::string_view field, std::string_view issue) {
  context_.metrics.count_error(code);
  send(render_error(code, message, field, issue, now_ms()));
}

void TopicsSession::on_message(ws::WebSocketConnection&, ws::Opcode, std::string_view data) {
  context_.metrics.messages_in.fetch_add(1, std::memory_order_relaxed);
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
      if (identity_->anonymous) {
        send_error(401, "Authentication required", "type", "authenticate first");
        return;
      }
      handle_subscribe(message.topic, message.type == ClientType::kSubscribe);
      return;
    case ClientType::kMessage:
      if (identity_->anonymous) {
        send_error(401, "Authentication required", "type", "authenticate first");
        return;
      }
      handle_publish(message);
      return;
  }
}

void TopicsSession::handle_auth(const std::string& token) {
  auto identity = std::make_shared<auth::Identity>();
  auth::JwtStatus status = context_.jwt.verify(token, static_cast<int64_t>(now_ms() / 1000), *identity);
  if (status != auth::JwtStatus::kOk) {
    context_.metrics.count_error(401);
    send(render_auth_error(auth::to_string(status), now_ms()));
    return;
  }
  if (!identity_->anonymous && identity_->user_id != identity->user_id) {
    // Another user on the same socket: nothing of the previous user's may leak through.
    context_.shard().unsubscribe_all(*this);
  }
  identity_ = std::move(identity);
  // Every authenticated connection hears its user's personal channel, which is how the
  // publish API's {"user": id} reaches all of a user's connections.
  std::string personal = "user:" + identity_->user_id;
  if (personal != personal_channel_ && hub::is_valid_channel(personal)) {
    if (!personal_channel_.empty()) context_.shard().unsubscribe(*this, personal_channel_);
    personal_channel_ = std::move(personal);
    context_.shard().subscribe(*this, personal_channel_);
  }
  send(render_auth_success(identity_->user_id, now_ms()));
}

void TopicsSession::handle_subscribe(const std::string& topic, bool subscribe) {
  if (!subscribe) {
    if (topic != personal_channel_) context_.shard().unsubscribe(*this, topic);
    send(render_subscription(false, topic, now_ms()));
    return;
  }
  switch (context_.policy.can_subscribe(*identity_, topic)) {
    case auth::Decision::kAllow:
      break;
    case auth::Decision::kUnauthenticated:
      send_error(401, "Authentication required for this topic", "topic", "unauthorized");
      return;
    case auth::Decision::kForbidden:
      send_error(403, "Forbidden", "topic", "not allowed to subscribe");
      return;
  }
  if (subscription_count() >= context_.limits.max_subscriptions) {
    send_error(429, "Too many subscriptions", "topic", "subscription limit reached");
    return;
  }
  context_.shard().subscribe(*this, topic);
  send(render_subscription(true, topic, now_ms()));
}

void TopicsSession::handle_publish(ClientMessage& message) {
  switch (context_.policy.can_publish(*identity_, message.topic)) {
    case auth::Decision::kAllow:
      break;
    case auth::Decision::kUnauthenticated:
      send_error(401, "Authentication required for this topic", "topic", "unauthorized");
      return;
    case auth::Decision::kForbidden:
      send_error(403, "Forbidden", "topic", "not allowed to publish");
      return;
  }
  auto publication = std::make_shared<hub::Publication>();
  publication->id = context_.hub.next_publication_id();
  publication->channel = std::move(message.topic);
  publication->event_type = std::move(message.event_type);
  publication->data = std::move(message.data);
  publication->metadata = std::move(message.metadata);
  publication->sender_user_id = identity_->user_id;
  publication->sender_connection_id = connection_id_;
  publication->time_ms = now_ms();
  publication->published_mono_us = transport::EventLoop::monotonic_us();
  context_.hub.publish(publication, context_.shard_index);
}

void TopicsSession::deliver(const hub::Publication& publication) {
  if (ws_ == nullptr) return;
  const std::string& frame = publication.encoded(encoding_slot_, [](const hub::Publication& p, std::string& out) {
    std::string body;
    render_publication(p, body);
    out.reserve(body.size() + ws::kMaxServerHeader);
    uint8_t header[ws::kMaxServerHeader];
    size_t n = ws::write_frame_header(header, ws::Opcode::kText, body.size());
    out.append(reinterpret_cast<char*>(header), n);
    out.append(body);
  });
  // Counted per publication by the hub shard (deliveries), not here per subscriber.
  ws_->send_frames(frame);
}

void TopicsSession::on_tick(ws::WebSocketConnection& ws, uint64_t) {
  long long exp = identity_->expires_at;
  if (!identity_->anonymous && exp != 0 && static_cast<int64_t>(now_ms() / 1000) > exp) {
    context_.metrics.count_error(401);
    send(render_auth_error("Token expired", now_ms()));
    ws.close(ws::CloseCode::kPolicyViolation, "token expired");
  }
}

void TopicsSession::on_disconnected(ws::WebSocketConnection&, uint16_t) {
  context_.shard().unsubscribe_all(*this);
  ws_ = nullptr;
}

}  // namespace sb::dialects::topics

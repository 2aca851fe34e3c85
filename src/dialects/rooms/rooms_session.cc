#include "dialects/rooms/rooms_session.h"

#include "json/json_writer.h"
#include "dialects/text_frame.h"

namespace sb::dialects::rooms {

namespace ws = protocol::websocket;

RoomsSession::RoomsSession(SessionContext& context, const config::RoomsConfig& settings, size_t encoding_slot,
                           auth::IdentityPtr identity, std::string connection_id)
    : settings_(settings),
      core_(context, *this, std::move(connection_id), "rooms"),
      pending_identity_(std::move(identity)),
      rate_(settings.max_messages, settings.window_ms),
      encoding_slot_(static_cast<uint8_t>(encoding_slot)) {}

void RoomsSession::on_open(ws::WebSocketConnection& ws) {
  ws_ = &ws;
  auth::IdentityPtr identity = std::move(pending_identity_);
  // The limit counts the user's connections on every node: in a cluster the verdict comes
  // after a round trip, and `connected` waits for it.
  bool opened = core_.open(identity, settings_.max_connections_per_user, [this, identity](bool within_limit) {
    if (!within_limit) {
      refuse_over_limit();
      return;
    }
    send_connected(*identity);
  });
  if (!opened) refuse_over_limit();
}

void RoomsSession::refuse_over_limit() {
  send_error("CONNECTION_LIMIT",
             "at most " + std::to_string(settings_.max_connections_per_user) + " connections per user", {});
  if (ws_ != nullptr) ws_->close(ws::CloseCode::kPolicyViolation, "too many connections for this user");
}

void RoomsSession::send_connected(const auth::Identity& identity) {
  std::string payload;
  json::ObjectWriter p(payload);
  p.string("connectionId", core_.connection_id());
  if (identity.anonymous) {
    p.null("userId").null("user").boolean("authenticated", false);
  } else {
    std::string user;
    json::ObjectWriter u(user);
    u.string("id", identity.user_id).string("name", identity.name).raw("roles", json::string_array(identity.roles()));
    u.end();
    p.string("userId", identity.user_id).raw("user", user).boolean("authenticated", true);
  }
  p.end();
  send(render("connected", payload, now_ms()));
}

void RoomsSession::send(const std::string& text) {
  if (ws_ == nullptr) return;
  ws_->send_text(text);
  context().metrics.messages_out.fetch_add(1, std::memory_order_relaxed);
}

void RoomsSession::send_error(std::string_view code, std::string_view message, std::string_view id,
                              uint64_t retry_after) {
  context().metrics.count_error(retry_after != 0 ? 429 : 400);
  send(render_error(code, message, now_ms(), id, retry_after));
}

std::string RoomsSession::room_payload(std::string_view room) const {
  std::string payload;
  json::ObjectWriter(payload).string("room", room).end();
  return payload;
}

void RoomsSession::on_message(ws::WebSocketConnection&, ws::Opcode, std::string_view data) {
  context().metrics.messages_in.fetch_add(1, std::memory_order_relaxed);
  ClientMessage message = parse_client_message(data);
  uint64_t retry_after = 0;
  if (!rate_.try_take(context().loop.now_ms(), retry_after)) {
    send_error("RATE_LIMITED", "too many messages: at most " + std::to_string(settings_.max_messages) + " per " +
                                   std::to_string(settings_.window_ms / 1000) + " s",
               message.id, retry_after);
    return;
  }
  if (!message.ok) {
    send_error(message.error_code, message.error_message, message.id);
    return;
  }
  switch (message.type) {
    case ClientType::kPing:
      send(render("pong", "{}", now_ms(), message.id));
      return;
    case ClientType::kSubscribe:
      handle_join(message);
      return;
    case ClientType::kUnsubscribe:
      handle_leave(message);
      return;
    case ClientType::kMessage:
      handle_room_message(message);
      return;
  }
}

void RoomsSession::handle_join(const ClientMessage& message) {
  switch (core_.join(message.room, settings_.max_rooms_per_connection)) {
    case SessionCore::JoinResult::kJoined:
    case SessionCore::JoinResult::kAlreadyJoined:
      core_.follow(message.room, message.since, [this, room = message.room, id = message.id](const StreamState& stream) {
        if (stream.full) {
          send_error("ROOM_FULL", room + " is full", id);
          return;
        }
        std::string payload;
        json::ObjectWriter w(payload);
        w.string("room", room);
        write_stream_state(w, stream);
        w.end();
        send(render("subscribed", payload, now_ms(), id));
      });
      return;
    case SessionCore::JoinResult::kInvalid:
      send_error("INVALID_ROOM", "room names are segments of letters, digits and - _ separated by . or :", message.id);
      return;
    case SessionCore::JoinResult::kUnauthenticated:
      send_error("UNAUTHORIZED", "sign in to join " + message.room, message.id);
      return;
    case SessionCore::JoinResult::kForbidden:
      send_error("FORBIDDEN", "your role may not join " + message.room, message.id);
      return;
    case SessionCore::JoinResult::kFull:
      send_error("ROOM_FULL", message.room + " is full", message.id);
      return;
    case SessionCore::JoinResult::kTooMany:
      send_error("ROOM_LIMIT", "at most " + std::to_string(settings_.max_rooms_per_connection) + " rooms per connection",
                 message.id);
      return;
  }
}

void RoomsSession::handle_leave(const ClientMessage& message) {
  core_.leave(message.room);
  send(render("unsubscribed", room_payload(message.room), now_ms(), message.id));
}

void RoomsSession::handle_room_message(ClientMessage& message) {
  if (!core_.is_joined(message.room)) {
    send_error("NOT_SUBSCRIBED", "subscribe to " + message.room + " before sending to it", message.id);
    return;
  }
  switch (core_.publish(message.room, "message", std::move(message.content), {})) {
    case SessionCore::PublishResult::kPublished:
      return;
    case SessionCore::PublishResult::kInvalid:
    case SessionCore::PublishResult::kServerEventType:
      send_error("INVALID_ROOM", "messages go to one room by name, not to a pattern", message.id);
      return;
    case SessionCore::PublishResult::kUnauthenticated:
      send_error("UNAUTHORIZED", "sign in to send to " + message.room, message.id);
      return;
    case SessionCore::PublishResult::kForbidden:
      send_error("FORBIDDEN", "your role may not send to " + message.room, message.id);
      return;
  }
}

void RoomsSession::deliver(const hub::Publication& publication) {
  if (ws_ == nullptr) return;
  if (core_.disconnect_ordered(publication)) {
    send_error("DISCONNECTED", SessionCore::disconnect_reason(publication), {});
    ws_->close(ws::CloseCode::kPolicyViolation, "disconnected by the server");
    return;
  }
  if (!core_.wants(publication)) return;
  send_publication(*ws_, publication, encoding_slot_, render_publication);
}

void RoomsSession::on_tick(ws::WebSocketConnection& ws, uint64_t) {
  if (core_.token_expired(now_ms())) {
    send_error("SESSION_EXPIRED", "the session has expired", {});
    ws.close(ws::CloseCode::kPolicyViolation, "session expired");
  }
}

void RoomsSession::on_disconnected(ws::WebSocketConnection&, uint16_t) {
  core_.close();
  ws_ = nullptr;
}

}  // namespace sb::dialects::rooms

#pragma once
#include <string>

#include "config/config.h"
#include "dialects/dialect.h"
#include "dialects/rooms/rooms_protocol.h"
#include "dialects/session_core.h"
#include "hub/rate_limiter.h"
#include "hub/subscriber.h"
#include "protocol/websocket/websocket_connection.h"

namespace sb::dialects::rooms {

// One client of the `rooms` dialect: identity from the upgrade's cookie (or anonymous),
// `connected` greeting, rooms joined under role and capacity rules, a message rate limit,
// and room messages relayed with the sender filled in by the server.
class RoomsSession final : public protocol::websocket::WebSocketHandler, public hub::Subscriber {
 public:
  RoomsSession(SessionContext& context, const config::RoomsConfig& settings, size_t encoding_slot,
               auth::IdentityPtr identity, std::string connection_id);

  void on_open(protocol::websocket::WebSocketConnection& ws) override;
  void on_message(protocol::websocket::WebSocketConnection& ws, protocol::websocket::Opcode opcode,
                  std::string_view data) override;
  void on_disconnected(protocol::websocket::WebSocketConnection& ws, uint16_t code) override;
  void on_tick(protocol::websocket::WebSocketConnection& ws, uint64_t now_ms) override;
  void deliver(const hub::Publication& publication) override;

 private:
  // The connection limit says no: CONNECTION_LIMIT, then close 1008.
  void refuse_over_limit();
  // The `connected` message, once the connection is admitted.
  void send_connected(const auth::Identity& identity);
  void handle_join(const ClientMessage& message);
  void handle_leave(const ClientMessage& message);
  void handle_room_message(ClientMessage& message);
  void send(const std::string& text);
  void send_error(std::string_view code, std::string_view message, std::string_view id, uint64_t retry_after = 0);
  std::string room_payload(std::string_view room) const;
  uint64_t now_ms() const { return context().loop.wall_ms(); }
  SessionContext& context() const { return core_.context(); }

  const config::RoomsConfig& settings_;
  SessionCore core_;
  auth::IdentityPtr pending_identity_;
  hub::RateLimiter rate_;
  protocol::websocket::WebSocketConnection* ws_ = nullptr;
  uint8_t encoding_slot_;
};

}  // namespace sb::dialects::rooms

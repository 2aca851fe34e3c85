#pragma once
#include <memory>
#include <string>

#include "dialects/dialect.h"
#include "dialects/envelope/envelope_protocol.h"
#include "dialects/session_core.h"
#include "hub/rate_limiter.h"
#include "hub/subscriber.h"
#include "protocol/websocket/websocket_connection.h"

namespace sb::dialects::envelope {

// One client of the `envelope` dialect: authenticated by ?token= or an AUTH message, then
// channels with per-channel failures, presence, typing, cursors and stored notifications.
class EnvelopeSession final : public protocol::websocket::WebSocketHandler, public hub::Subscriber {
 public:
  // identity: from the URL token (anonymous when none); url_token_failed: a token was in
  // the URL but did not verify.
  EnvelopeSession(SessionContext& context, size_t encoding_slot, auth::IdentityPtr identity, bool url_token_failed,
                  std::string connection_id);

  void on_open(protocol::websocket::WebSocketConnection& ws) override;
  void on_message(protocol::websocket::WebSocketConnection& ws, protocol::websocket::Opcode opcode,
                  std::string_view data) override;
  void on_disconnected(protocol::websocket::WebSocketConnection& ws, uint16_t code) override;
  void on_tick(protocol::websocket::WebSocketConnection& ws, uint64_t now_ms) override;
  void deliver(const hub::Publication& publication) override;

 private:
  void authenticate(const std::string& token, const std::string& correlation_id);
  void established();
  void handle_subscribe(const ClientMessage& m);
  // Adds one refused channel to a SUBSCRIPTION_CONFIRMED's `failed` list (open, "[...") and
  // tells the client in a SUBSCRIPTION_FAILED error (details: the error's payload details,
  // {"channel"} when empty).
  void subscription_failed(std::string& failed, const std::string& channel, std::string_view reason,
                           std::string_view code, std::string details, const std::string& id);
  void handle_unsubscribe(const ClientMessage& m);
  void handle_presence(const ClientMessage& m);
  void handle_notification_read(const ClientMessage& m);
  void deliver_unread_notifications();
  void send(std::string_view type, std::string_view payload, std::string_view correlation_id = {});
  void send_error(std::string_view code, std::string_view message, std::string_view correlation_id = {},
                  std::string_view details = {});
  std::string next_id();
  uint64_t now_ms() const { return context().loop.wall_ms(); }
  SessionContext& context() const { return core_.context(); }

  SessionCore core_;
  auth::IdentityPtr pending_identity_;
  hub::RateLimiter rate_;
  protocol::websocket::WebSocketConnection* ws_ = nullptr;
  uint32_t message_counter_ = 0;
  uint8_t encoding_slot_;
  bool url_token_failed_;
};

}  // namespace sb::dialects::envelope

#pragma once
#include <string>

#include "dialects/dialect.h"
#include "dialects/session_core.h"
#include "hub/rate_limiter.h"
#include "dialects/topics/topics_protocol.h"
#include "hub/subscriber.h"
#include "protocol/websocket/websocket_connection.h"

namespace sb::dialects::topics {

// One client of the `topics` dialect: authentication by an `auth` message, subscriptions
// with wildcard patterns, fire-and-forget publishing, application-level ping.
class TopicsSession final : public protocol::websocket::WebSocketHandler, public hub::Subscriber {
 public:
  // identity: verified from the upgrade's URL (anonymous without a token there);
  // url_token_failed: the URL carried a token that did not verify (the client hears why).
  TopicsSession(SessionContext& context, size_t encoding_slot, auth::IdentityPtr identity, bool url_token_failed,
                std::string connection_id);

  // WebSocketHandler
  void on_open(protocol::websocket::WebSocketConnection& ws) override;
  void on_message(protocol::websocket::WebSocketConnection& ws, protocol::websocket::Opcode opcode,
                  std::string_view data) override;
  void on_disconnected(protocol::websocket::WebSocketConnection& ws, uint16_t code) override;
  void on_tick(protocol::websocket::WebSocketConnection& ws, uint64_t now_ms) override;
  // hub::Subscriber
  void deliver(const hub::Publication& publication) override;

 private:
  void handle_auth(const std::string& token);
  void handle_subscribe(const std::string& topic, bool subscribe, std::optional<hub::StreamPosition> since);
  void handle_publish(ClientMessage& message);
  void send(const std::string& text);
  void send_error(int code, std::string_view message, std::string_view field = {}, std::string_view issue = {},
                  uint64_t retry_after_ms = 0);
  uint64_t now_ms() const { return context().loop.wall_ms(); }
  SessionContext& context() const { return core_.context(); }

  // no_unique_address lets the next fields use the core's tail padding, as they would a
  // base class's: the session stays within a 256-byte allocation.
  [[no_unique_address]] SessionCore core_;
  uint8_t encoding_slot_;
  bool url_token_failed_;
  hub::RateLimiter rate_;  // messages per second from this client
  protocol::websocket::WebSocketConnection* ws_ = nullptr;
};

}  // namespace sb::dialects::topics

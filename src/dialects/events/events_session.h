#pragma once
#include <memory>
#include <string>
#include <vector>

#include "auth/jwt.h"
#include "config/config.h"
#include "dialects/dialect.h"
#include "dialects/events/events_protocol.h"
#include "dialects/session_core.h"
#include "features/decisions/decision_service.h"
#include "features/meetings/meeting_service.h"
#include "hub/rate_limiter.h"
#include "hub/subscriber.h"
#include "protocol/websocket/websocket_connection.h"

namespace sb::dialects::events {

// The feature modules an events session uses (owned by the server).
struct EventsServices {
  features::meetings::MeetingService& meetings;
  features::decisions::DecisionService& decisions;
};

// One client of the `events` dialect (seed 003): authenticated by the token in the URL for
// its whole life (a fresh token may replace it before it expires), then meetings, votes,
// presence, notifications, cursors and typing, each with its own rate limit.
class EventsSession final : public protocol::websocket::WebSocketHandler, public hub::Subscriber {
 public:
  // identity: from the URL token (anonymous when it did not verify: url_status says why).
  EventsSession(SessionContext& context, const config::EventsConfig& config, EventsServices services,
                size_t encoding_slot, auth::IdentityPtr identity, auth::JwtStatus url_status, bool has_token,
                bool version_supported, std::string client_id, std::string connection_id);

  void on_open(protocol::websocket::WebSocketConnection& ws) override;
  void on_message(protocol::websocket::WebSocketConnection& ws, protocol::websocket::Opcode opcode,
                  std::string_view data) override;
  void on_disconnected(protocol::websocket::WebSocketConnection& ws, uint16_t code) override;
  void on_tick(protocol::websocket::WebSocketConnection& ws, uint64_t now_ms) override;
  void deliver(const hub::Publication& publication) override;

 private:
  void refuse(std::string_view code, std::string_view message, bool retryable);
  void dispatch(ClientMessage& m);
  void handle_ping(const ClientMessage& m);
  void handle_token_refresh(const ClientMessage& m);
  void handle_join(const ClientMessage& m);
  void handle_leave(const ClientMessage& m);
  void handle_chat(const ClientMessage& m);
  void handle_vote(ClientMessage& m);
  void handle_presence_update(const ClientMessage& m);
  void handle_presence_subscribe(const ClientMessage& m);
  void handle_presence_unsubscribe(const ClientMessage& m);
  void handle_acknowledge(const ClientMessage& m);
  void handle_subscribe(const ClientMessage& m);
  void handle_unsubscribe(const ClientMessage& m);
  // Joins a channel (a meeting or a subscription); a channel watched for presence until now
  // keeps a single hub subscription, and stays watched if the join is refused.
  SessionCore::JoinResult join_channel(const std::string& channel);
  // Leaves a meeting this connection joined (a leave, an unsubscribe or a revoked channel).
  void leave_meeting(const std::string& meeting_id, const std::string& correlation_id, bool tell_client);
  void send_decision_snapshot(const std::string& decision_id);
  void deliver_stored_notifications();

  void send(std::string_view type, std::string_view data, std::string_view correlation_id = {});
  void send_error(std::string_view code, std::string_view message, std::string_view correlation_id,
                  bool retryable = false, uint64_t retry_after_ms = 0, std::string_view details = {});
  // Takes a token from limiter; when none is left answers RATE_LIMITED and returns false.
  bool within_limit(hub::RateLimiter& limiter, uint32_t limit, uint32_t window_s, const std::string& correlation_id);
  std::string next_id();
  uint64_t now_ms() const { return context().loop.wall_ms(); }
  SessionContext& context() const { return core_.context(); }
  // Answers of the feature modules come back through this; null once closed.
  std::weak_ptr<EventsSession*> weak_self() const { return self_; }

  const config::EventsConfig& config_;
  EventsServices services_;
  SessionCore core_;
  auth::IdentityPtr pending_identity_;
  protocol::websocket::WebSocketConnection* ws_ = nullptr;
  std::shared_ptr<EventsSession*> self_;
  hub::RateLimiter messages_;
  hub::RateLimiter joins_;
  hub::RateLimiter chats_;
  hub::RateLimiter votes_;
  hub::RateLimiter cursors_;
  std::vector<std::string> meetings_;  // meetings joined with meeting.join
  std::string client_id_;
  uint32_t message_counter_ = 0;
  uint8_t encoding_slot_;
  auth::JwtStatus url_status_;
  bool has_token_;
  bool version_supported_;
  bool closing_ = false;  // refused or expired: the close is under way
};

}  // namespace sb::dialects::events

#pragma once
#include <cstdint>
#include <string>

#include "config/config.h"
#include "dialects/dialect.h"
#include "dialects/session_core.h"
#include "dialects/socketio/socketio_protocol.h"
#include "features/actions/action_forwarder.h"
#include "features/actions/action_registry.h"
#include "transport/work_pool.h"
#include "hub/rate_limiter.h"
#include "hub/subscriber.h"
#include "protocol/socketio/socketio_packet.h"
#include "protocol/websocket/websocket_connection.h"

namespace sb::dialects::socketio {

// One Socket.IO client on the WebSocket transport: the Engine.IO handshake and heartbeat,
// CONNECT to "/" with `auth: {token}` and the `sessionId` query parameter, the seed's
// REQUEST/RESPONSE over the `message` event (or an ack), and the company's and artifact's
// updates.
class SocketIoSession final : public protocol::websocket::WebSocketHandler, public hub::Subscriber {
 public:
  // session_param and artifact_id: the upgrade's `sessionId` and `artifactId` query values.
  // Actions not built in go to forwarder on action_pool, when it is enabled.
  SocketIoSession(SessionContext& context, const config::SocketIoConfig& settings,
                  const features::actions::ActionRegistry& actions, const features::actions::ActionForwarder& forwarder,
                  transport::WorkPool& action_pool, size_t encoding_slot, std::string session_param,
                  std::string artifact_id, std::string connection_id);

  void on_open(protocol::websocket::WebSocketConnection& ws) override;
  void on_message(protocol::websocket::WebSocketConnection& ws, protocol::websocket::Opcode opcode,
                  std::string_view data) override;
  void on_disconnected(protocol::websocket::WebSocketConnection& ws, uint16_t code) override;
  void on_tick(protocol::websocket::WebSocketConnection& ws, uint64_t now_ms) override;
  void deliver(const hub::Publication& publication) override;

 private:
  void handle_engine_packet(std::string_view text);
  void handle_socket_packet(std::string_view text);
  void handle_connect(const protocol::socketio::Packet& packet);
  void handle_event(const protocol::socketio::Packet& packet);
  // Runs a REQUEST and answers it (on `message`, or as the ack the client asked for).
  void handle_request(const protocol::socketio::Packet& packet);
  void answer(const protocol::socketio::Packet& event, const std::string& text);
  void answer(bool has_id, uint64_t ack_id, const std::string& text);
  // Sends the call to the actions backend off the loop; the answer comes back through self_.
  void forward(const protocol::socketio::Packet& packet, Request& request);
  void connect_error(std::string_view nsp, std::string_view message);
  void send(std::string_view text);
  uint64_t now_ms() const { return context_.loop.wall_ms(); }

  SessionContext& context_;
  const config::SocketIoConfig& settings_;
  const features::actions::ActionRegistry& actions_;
  const features::actions::ActionForwarder& forwarder_;
  transport::WorkPool& action_pool_;
  std::shared_ptr<SocketIoSession*> self_;  // async answers check it; null once closed
  std::string token_;                       // the CONNECT token, forwarded with actions
  SessionCore core_;
  hub::RateLimiter rate_;
  std::string session_param_;
  std::string artifact_id_;
  protocol::websocket::WebSocketConnection* ws_ = nullptr;
  uint64_t last_ping_ms_ = 0;     // when the last heartbeat ping went out (monotonic)
  uint32_t skip_attachments_ = 0; // binary frames of a refused binary packet still to come
  uint32_t actions_in_flight_ = 0;
  uint8_t encoding_slot_;
  bool connected_ = false;        // the client is connected to the "/" namespace
  bool awaiting_pong_ = false;
};

}  // namespace sb::dialects::socketio

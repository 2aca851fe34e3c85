#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "dialects/dialect.h"
#include "dialects/session_core.h"
#include "dialects/socketio/engine_socket.h"
#include "dialects/socketio/socketio_protocol.h"
#include "features/actions/action_forwarder.h"
#include "features/actions/action_registry.h"
#include "hub/rate_limiter.h"
#include "hub/subscriber.h"
#include "protocol/socketio/socketio_packet.h"
#include "transport/work_pool.h"

namespace sb::dialects::socketio {

// What a Socket.IO session needs from the dialect, shared by all of its sessions.
struct SessionServices {
  const config::SocketIoConfig& settings;
  const features::actions::ActionRegistry& actions;
  const features::actions::ActionForwarder& forwarder;
  transport::WorkPool& action_pool;
  uint8_t encoding_slot;           // a publication as one whole WebSocket frame
  uint8_t recovery_encoding_slot;  // a publication as a message head (recovering sessions)
};

// Where one session came from: its Engine.IO sid and transport, the handshake's `sessionId`
// and `artifactId` query values, its connection id on this node, and the per-address slot it
// holds when it has no TCP connection of its own (polling), released when it ends.
struct SessionOrigin {
  std::string sid;
  EngineSocket::Transport transport;
  std::string session_param;
  std::string artifact_id;
  std::string connection_id;
  std::string limiter_key;  // empty when no slot is held
};

// One Socket.IO client, on either Engine.IO transport: CONNECT to "/" with `auth: {token}`
// and the `sessionId` query parameter, the seed's REQUEST/RESPONSE over the `message` event
// (or an ack), binary events with attachments, and the company's and artifact's updates.
class SocketIoSession final : public EngineListener, public hub::Subscriber {
 public:
  SocketIoSession(SessionContext& context, const SessionServices& services, SessionOrigin origin);
  ~SocketIoSession();

  EngineSocket& engine() { return engine_; }
  // Heartbeat and token expiry; once per sweep tick.
  void tick(uint64_t now_ms);

  // EngineListener
  void on_engine_message(std::string_view data) override;
  void on_engine_binary(std::string_view bytes) override;
  void on_engine_invalid(std::string_view why) override;
  void on_engine_closed() override;
  // hub::Subscriber
  void deliver(const hub::Publication& publication) override;

 private:
  // A binary packet whose attachments are still arriving.
  struct BinaryPacket {
    std::string text;                       // the packet's text, parsed again once complete
    std::vector<std::string> attachments;
    uint32_t expected = 0;
    size_t bytes = 0;                       // text and attachments so far
  };

  // Ends the session over a packet that cannot be taken: CONNECT_ERROR before the client
  // connected, an ERROR message after, then the close.
  void refuse_packet(std::string_view code, std::string_view why);

  void handle_socket_packet(std::string_view text, std::vector<std::string> attachments);
  void handle_connect(const protocol::socketio::Packet& packet);
  void handle_event(const protocol::socketio::Packet& packet, std::vector<std::string>& attachments);
  // Runs a REQUEST and answers it (on `message`, or as the ack the client asked for).
  void handle_request(const protocol::socketio::Packet& packet, std::vector<std::string>& attachments);
  void answer(const protocol::socketio::Packet& event, const std::string& text);
  void answer(bool has_id, uint64_t ack_id, const std::string& text);
  // An answer whose data names binary attachments: the answer object (not a string, which
  // cannot hold binary) as a BINARY_ACK or a BINARY_EVENT on `message`, then its parts.
  void answer_binary(bool has_id, uint64_t ack_id, const std::string& object, const std::vector<std::string>& parts);
  // Sends the call to the actions backend off the loop; the answer comes back through self_.
  void forward(const protocol::socketio::Packet& packet, Request& request, std::vector<std::string>& attachments);
  void connect_error(std::string_view nsp, std::string_view message);
  // Joins the company's and artifact's channels and answers the CONNECT, offering (and with
  // the client's pid, attempting) connection state recovery when all of them keep history.
  // The CONNECT auth's `pid` and `offset` (strings), when given.
  struct RecoveryAuth {
    std::optional<std::string> pid;
    std::optional<std::string> offset;
  };
  void connect_groups(std::vector<std::string> groups, RecoveryAuth auth);
  void send_connect(std::string_view pid);
  // deliver() for a session offering recovery: the event ends with its offset.
  void deliver_with_offset(const hub::Publication& publication);
  // Sends a `message` event, ending with the session's offset when it offers recovery.
  void send_message(std::string_view text);
  uint64_t now_ms() const { return context().loop.wall_ms(); }
  SessionContext& context() const { return core_.context(); }

  const SessionServices& services_;
  EngineSocket engine_;
  std::shared_ptr<SocketIoSession*> self_;  // async answers check it; null once closed
  std::string token_;                       // the CONNECT token, forwarded with actions
  SessionCore core_;
  hub::RateLimiter rate_;
  std::string session_param_;
  std::string artifact_id_;
  std::string limiter_key_;
  std::unique_ptr<BinaryPacket> binary_;  // while a binary packet's attachments arrive
  // Connection state recovery, when this session offers it: its channels, the position of
  // the last publication sent on each, and the pid given at CONNECT.
  struct Recovery {
    std::vector<std::string> channels;
    std::vector<hub::StreamPosition> positions;
    std::string pid;
    std::string tail;  // message_tail() of the positions, ending every event
    bool plain_epochs = true;  // no epoch needs escaping: the tail is rebuilt in place
  };
  std::unique_ptr<Recovery> recovery_;
  uint32_t actions_in_flight_ = 0;
  bool connected_ = false;  // the client is connected to the "/" namespace
};

}  // namespace sb::dialects::socketio

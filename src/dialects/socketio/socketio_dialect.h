#pragma once
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/config.h"
#include "dialects/dialect.h"
#include "dialects/socketio/engine_forwarding.h"
#include "dialects/socketio/socketio_session.h"
#include "features/actions/action_forwarder.h"
#include "features/actions/action_registry.h"
#include "transport/work_pool.h"

namespace sb::dialects::socketio {

// The `socketio` dialect (seed 001): Socket.IO 4 clients (Engine.IO 4, Socket.IO 5) on both
// transports, HTTP long-polling and WebSocket, with the upgrade from one to the other;
// authenticated by their CONNECT packet. Sessions live on the loop that opened them, named
// by an unguessable sid that starts with that loop's index and the node's id, so that every
// later request of a session (polls, posts, the upgrade) is handed to that loop, and in a
// cluster forwarded to that node (EngineForwarding).
class SocketIoDialect final : public Dialect {
 public:
  // loops: the number of event loops. The encoding slots: the publication cache's slots for
  // whole frames and for event heads (sessions offering recovery end each with an offset).
  // action_pool: the threads that call the actions backend (config actions_url).
  // hub: for the node's id and, in a cluster, the relay to the other nodes.
  SocketIoDialect(hub::Hub& hub, const config::SocketIoConfig& settings, size_t loops, size_t encoding_slot,
                  size_t recovery_encoding_slot, transport::WorkPool& action_pool);
  ~SocketIoDialect() override;
  std::string_view name() const override { return "socketio"; }
  // Only `EIO=4&transport=websocket` upgrades are taken, with a live polling sid when one is
  // named; refusals carry Engine.IO's error bodies. Who connects is decided later, by the
  // Socket.IO CONNECT packet.
  void authenticate_upgrade(SessionContext& context, const protocol::http::HttpRequest& request,
                            const std::vector<std::string>& allowed_origins,
                            UpgradeAuthDone done) override;
  // Engine.IO's own heartbeat replaces WebSocket pings: silence longer than its ping
  // interval plus timeout ends the connection.
  std::optional<protocol::websocket::KeepAlive> keep_alive() const override;
  std::unique_ptr<protocol::websocket::WebSocketHandler> create_session(
      SessionContext& context, const protocol::http::HttpRequest& upgrade_request, auth::IdentityPtr identity,
      std::string connection_id) override;
  // The polling transport: the handshake GET (a new session, holding a per-address slot),
  // then GETs and POSTs naming its sid.
  bool serve_http(SessionContext& context, const protocol::http::HttpRequest& request, const HttpPeer& peer,
                  HttpReply reply) override;
  std::optional<size_t> owning_loop(const protocol::http::HttpRequest& request) const override;
  // Heartbeats, expiries, and freeing the sessions that ended.
  void on_loop_sweep(SessionContext& context, uint64_t now_ms) override;
  void on_loop_shutdown(SessionContext& context) override;

 private:
  // The sessions of one loop, touched only by that loop.
  struct LoopSessions {
    std::unordered_map<std::string, std::unique_ptr<SocketIoSession>> by_sid;
    uint64_t counter = 0;
  };
  // A live session of loop `loop` named by sid, or nullptr.
  SocketIoSession* find(size_t loop, std::string_view sid);
  SocketIoSession& open_session(SessionContext& context, EngineSocket::Transport transport,
                                const protocol::http::HttpRequest& request, std::string connection_id,
                                std::string limiter_key);

  hub::Hub& hub_;
  const config::SocketIoConfig& settings_;
  features::actions::ActionRegistry actions_;
  features::actions::ActionForwarder forwarder_;
  SessionServices services_;
  std::vector<LoopSessions> loops_;
  EngineForwarding forwarding_;
};

}  // namespace sb::dialects::socketio

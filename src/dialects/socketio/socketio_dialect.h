#pragma once
#include <memory>

#include "config/config.h"
#include "dialects/dialect.h"
#include "features/actions/action_forwarder.h"
#include "features/actions/action_registry.h"
#include "transport/work_pool.h"

namespace sb::dialects::socketio {

// The `socketio` dialect (seed 001): Socket.IO 4 clients (Engine.IO 4, Socket.IO 5) on the
// WebSocket transport, authenticated by their CONNECT packet.
class SocketIoDialect final : public Dialect {
 public:
  // action_pool: the threads that call the actions backend (config actions_url).
  SocketIoDialect(const config::SocketIoConfig& settings, size_t encoding_slot, transport::WorkPool& action_pool)
      : settings_(settings),
        encoding_slot_(encoding_slot),
        action_pool_(action_pool),
        forwarder_(settings.actions_url, settings.action_timeout_ms) {}
  std::string_view name() const override { return "socketio"; }
  // Only `EIO=4&transport=websocket` upgrades are taken (400 otherwise, as the reference
  // server answers); who connects is decided later, by the Socket.IO CONNECT packet.
  void authenticate_upgrade(SessionContext& context, const protocol::http::HttpRequest& request,
                            UpgradeAuthDone done) override;
  // Engine.IO's own heartbeat replaces WebSocket pings: silence longer than its ping
  // interval plus timeout ends the connection.
  std::optional<protocol::websocket::KeepAlive> keep_alive() const override;
  std::unique_ptr<protocol::websocket::WebSocketHandler> create_session(
      SessionContext& context, const protocol::http::HttpRequest& upgrade_request, auth::IdentityPtr identity,
      std::string connection_id) override;

 private:
  const config::SocketIoConfig& settings_;
  size_t encoding_slot_;
  transport::WorkPool& action_pool_;
  features::actions::ActionRegistry actions_;
  features::actions::ActionForwarder forwarder_;
};

}  // namespace sb::dialects::socketio

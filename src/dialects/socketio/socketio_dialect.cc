#include "dialects/socketio/socketio_dialect.h"

#include "dialects/socketio/socketio_session.h"

namespace sb::dialects::socketio {

void SocketIoDialect::authenticate_upgrade(SessionContext&, const protocol::http::HttpRequest& request,
                                           UpgradeAuthDone done) {
  if (request.query_param("EIO") != "4") {
    done(UpgradeAuth{400, "Unsupported protocol version: this server speaks Engine.IO 4 (EIO=4)", nullptr});
    return;
  }
  if (request.query_param("transport") != "websocket") {
    done(UpgradeAuth{400, "Transport unknown: use transport=websocket", nullptr});
    return;
  }
  done(UpgradeAuth{0, {}, auth::anonymous_identity()});
}

std::optional<protocol::websocket::KeepAlive> SocketIoDialect::keep_alive() const {
  return protocol::websocket::KeepAlive{0, settings_.ping_interval_ms + settings_.ping_timeout_ms};
}

std::unique_ptr<protocol::websocket::WebSocketHandler> SocketIoDialect::create_session(
    SessionContext& context, const protocol::http::HttpRequest& upgrade_request, auth::IdentityPtr,
    std::string connection_id) {
  return std::make_unique<SocketIoSession>(context, settings_, actions_, forwarder_, action_pool_, encoding_slot_,
                                           upgrade_request.query_param("sessionId"),
                                           upgrade_request.query_param("artifactId"), std::move(connection_id));
}

}  // namespace sb::dialects::socketio

#pragma once
#include <memory>
#include <string>
#include <vector>

#include "auth/session_resolver.h"
#include "config/config.h"
#include "dialects/dialect.h"
#include "transport/work_pool.h"

namespace sb::dialects::rooms {

// The `rooms` dialect (seed 004): cookie sessions, rooms with minimum roles.
class RoomsDialect final : public Dialect {
 public:
  RoomsDialect(const config::RoomsConfig& settings, size_t encoding_slot, transport::WorkPool& pool);
  std::string_view name() const override { return "rooms"; }
  // The cookie holds a JWT (verified here) or an opaque session id (resolved by the
  // configured backend on the work pool). A bad or expired cookie means anonymous; a
  // session backend that fails or times out refuses the connection with 503; a cookie sent
  // from a page the endpoint's allowed_origins do not list (the server's own host when the
  // list is empty) is refused with 403.
  void authenticate_upgrade(SessionContext& context, const protocol::http::HttpRequest& request,
                            const std::vector<std::string>& allowed_origins,
                            UpgradeAuthDone done) override;
  std::optional<protocol::websocket::KeepAlive> keep_alive() const override;
  std::unique_ptr<protocol::websocket::WebSocketHandler> create_session(
      SessionContext& context, const protocol::http::HttpRequest& upgrade_request, auth::IdentityPtr identity,
      std::string connection_id) override;

 private:
  const config::RoomsConfig& settings_;
  size_t encoding_slot_;
  transport::WorkPool& pool_;
  std::shared_ptr<auth::SessionResolver> resolver_;
};

}  // namespace sb::dialects::rooms

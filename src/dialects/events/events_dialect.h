#pragma once
#include <cstddef>
#include <memory>
#include <string>

#include "config/config.h"
#include "dialects/dialect.h"
#include "dialects/events/events_session.h"

namespace sb::dialects::events {

// Seed 003's protocol: `/ws?token=<JWT>[&clientId=..][&version=1.0]`, dot-notation types,
// meetings, live decisions, presence, notifications and collaboration.
class EventsDialect final : public Dialect {
 public:
  EventsDialect(const config::EventsConfig& config, EventsServices services, size_t encoding_slot)
      : config_(config), services_(services), encoding_slot_(encoding_slot) {}
  std::string_view name() const override { return "events"; }
  // The token is checked before the upgrade, but a failure is told in the dialect's own
  // words (connection.error AUTH_FAILED, then a close), so the upgrade always proceeds.
  void authenticate_upgrade(SessionContext& context, const protocol::http::HttpRequest& request,
                            const std::vector<std::string>& allowed_origins,
                            UpgradeAuthDone done) override;
  std::unique_ptr<protocol::websocket::WebSocketHandler> create_session(
      SessionContext& context, const protocol::http::HttpRequest& upgrade_request, auth::IdentityPtr identity,
      std::string connection_id) override;

 private:
  const config::EventsConfig& config_;
  EventsServices services_;
  size_t encoding_slot_;
};

}  // namespace sb::dialects::events

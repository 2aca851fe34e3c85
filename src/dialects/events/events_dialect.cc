#include "dialects/events/events_dialect.h"

namespace sb::dialects::events {

namespace {

// Versions this server speaks: 1.0 (the default) and any 1.x client.
bool is_supported_version(std::string_view version) {
  return version.empty() || version == "1" || version.starts_with("1.");
}

}  // namespace

void EventsDialect::authenticate_upgrade(SessionContext& context, const protocol::http::HttpRequest& request,
                                         UpgradeAuthDone done) {
  std::string token = request.query_param("token");
  if (token.empty()) {
    done(UpgradeAuth{0, {}, auth::anonymous_identity(), {}});
    return;
  }
  auto identity = std::make_shared<auth::Identity>();
  auto status = context.jwt.verify(token, static_cast<int64_t>(context.loop.wall_ms() / 1000), *identity);
  done(UpgradeAuth{0, {}, status == auth::JwtStatus::kOk ? auth::IdentityPtr(identity) : auth::anonymous_identity(), {}});
}

std::unique_ptr<protocol::websocket::WebSocketHandler> EventsDialect::create_session(
    SessionContext& context, const protocol::http::HttpRequest& upgrade_request, auth::IdentityPtr identity,
    std::string connection_id) {
  std::string token = upgrade_request.query_param("token");
  auth::JwtStatus status = auth::JwtStatus::kOk;
  if (identity->anonymous && !token.empty()) {
    // Only a refused token pays for a second look, to say why it was refused.
    auth::Identity scratch;
    status = context.jwt.verify(token, static_cast<int64_t>(context.loop.wall_ms() / 1000), scratch);
    if (status == auth::JwtStatus::kOk) status = auth::JwtStatus::kMalformed;
  }
  std::string client_id = upgrade_request.query_param("clientId");
  if (client_id.size() > 128) client_id.resize(128);
  return std::make_unique<EventsSession>(context, config_, services_, encoding_slot_, std::move(identity), status,
                                         !token.empty(), is_supported_version(upgrade_request.query_param("version")),
                                         std::move(client_id), std::move(connection_id));
}

}  // namespace sb::dialects::events

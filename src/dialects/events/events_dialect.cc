#include "dialects/events/events_dialect.h"

namespace sb::dialects::events {

namespace {

// Versions this server speaks: 1.0 (the default) and any 1.x client.
bool is_supported_version(std::string_view version) {
  return version.empty() || version == "1" || version.starts_with("1.");
}

}  // namespace

void EventsDialect::authenticate_upgrade(SessionContext& context, const protocol::http::HttpRequest& request,
                                         const std::vector<std::string>& /*allowed_origins*/,
                                         UpgradeAuthDone done) {
  done(UpgradeAuth{0, {}, identity_from_url_token(context, request), {}});
}

std::unique_ptr<protocol::websocket::WebSocketHandler> EventsDialect::create_session(
    SessionContext& context, const protocol::http::HttpRequest& upgrade_request, auth::IdentityPtr identity,
    std::string connection_id) {
  bool has_token = !upgrade_request.query_param("token").empty();
  auth::JwtStatus status = auth::JwtStatus::kOk;
  // Only a refused token pays for a second look, to say why it was refused.
  if (identity->anonymous && has_token) {
    identity_from_url_token(context, upgrade_request, &status);
    if (status == auth::JwtStatus::kOk) status = auth::JwtStatus::kNotYetValid;  // refused a moment ago
  }
  std::string client_id = upgrade_request.query_param("clientId");
  if (client_id.size() > 128) client_id.resize(128);
  return std::make_unique<EventsSession>(context, config_, services_, encoding_slot_, std::move(identity), status,
                                         has_token, is_supported_version(upgrade_request.query_param("version")),
                                         std::move(client_id), std::move(connection_id));
}

}  // namespace sb::dialects::events

#include "dialects/envelope/envelope_dialect.h"

#include "dialects/envelope/envelope_session.h"

namespace sb::dialects::envelope {

void EnvelopeDialect::authenticate_upgrade(SessionContext& context, const protocol::http::HttpRequest& request,
                                           const std::vector<std::string>& /*allowed_origins*/,
                                           UpgradeAuthDone done) {
  done(UpgradeAuth{0, {}, identity_from_url_token(context, request), {}});
}

std::unique_ptr<protocol::websocket::WebSocketHandler> EnvelopeDialect::create_session(
    SessionContext& context, const protocol::http::HttpRequest& upgrade_request, auth::IdentityPtr identity,
    std::string connection_id) {
  bool failed = url_token_failed(upgrade_request, *identity);
  return std::make_unique<EnvelopeSession>(context, encoding_slot_, std::move(identity), failed,
                                           std::move(connection_id));
}

}  // namespace sb::dialects::envelope

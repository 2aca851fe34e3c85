#include "dialects/dialect.h"

namespace sb::dialects {

void Dialect::authenticate_upgrade(SessionContext&, const protocol::http::HttpRequest&,
                                   const std::vector<std::string>& /*allowed_origins*/, UpgradeAuthDone done) {
  done(UpgradeAuth{0, {}, auth::anonymous_identity(), {}});
}

auth::IdentityPtr identity_from_url_token(SessionContext& context, const protocol::http::HttpRequest& request,
                                          auth::JwtStatus* status) {
  if (status != nullptr) *status = auth::JwtStatus::kOk;
  std::string token = request.query_param("token");
  if (token.empty()) return auth::anonymous_identity();
  auto identity = auth::make_identity();
  auth::JwtStatus verified = context.jwt.verify(token, static_cast<int64_t>(context.loop.wall_ms() / 1000), *identity);
  if (status != nullptr) *status = verified;
  return verified == auth::JwtStatus::kOk ? auth::IdentityPtr(identity) : auth::anonymous_identity();
}

bool url_token_failed(const protocol::http::HttpRequest& request, const auth::Identity& identity) {
  return identity.anonymous && !request.query_param("token").empty();
}

}  // namespace sb::dialects

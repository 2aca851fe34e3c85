#include "dialects/rooms/rooms_dialect.h"

#include <algorithm>

#include "dialects/rooms/rooms_session.h"
#include "protocol/websocket/handshake.h"

namespace sb::dialects::rooms {

RoomsDialect::RoomsDialect(const config::RoomsConfig& settings, size_t encoding_slot, transport::WorkPool& pool)
    : settings_(settings),
      encoding_slot_(encoding_slot),
      pool_(pool),
      resolver_(std::make_shared<auth::SessionResolver>(settings.session_url, settings.cookie_name,
                                                        settings.session_timeout_ms, settings.session_cache_ms)) {}

std::optional<protocol::websocket::KeepAlive> RoomsDialect::keep_alive() const {
  // The seed pings every interval and gives the answer `timeout` more: silence longer than
  // both together ends the connection.
  return protocol::websocket::KeepAlive{settings_.heartbeat_interval_ms,
                                        settings_.heartbeat_interval_ms + settings_.heartbeat_timeout_ms};
}

void RoomsDialect::authenticate_upgrade(SessionContext& context, const protocol::http::HttpRequest& request,
                                        const std::vector<std::string>& allowed_origins,
                                        UpgradeAuthDone done) {
  std::string session(auth::cookie_value(request.header("Cookie"), settings_.cookie_name));
  if (session.empty()) {
    done(UpgradeAuth{0, {}, auth::anonymous_identity(), {}});
    return;
  }
  if (!protocol::websocket::origin_allowed_for_cookies(request, allowed_origins)) {
    // A browser sends the cookie to any site that opens this WebSocket: only the app's own
    // pages may use it (cross-site WebSocket hijacking).
    done(UpgradeAuth{403, "cross-site WebSocket upgrade with a session cookie: Origin not allowed", nullptr, {}});
    return;
  }
  if (std::count(session.begin(), session.end(), '.') == 2) {
    auto identity = auth::make_identity();
    auto status = context.jwt.verify(session, static_cast<int64_t>(context.loop.wall_ms() / 1000), *identity);
    // A cookie that does not verify is no one: never let it stand for someone else.
    done(UpgradeAuth{0, {}, status == auth::JwtStatus::kOk ? auth::IdentityPtr(identity) : auth::anonymous_identity(), {}});
    return;
  }
  if (!resolver_->enabled()) {
    done(UpgradeAuth{0, {}, auth::anonymous_identity(), {}});
    return;
  }
  transport::EventLoop& loop = context.loop;
  uint64_t now = loop.wall_ms();
  pool_.submit([resolver = resolver_, session = std::move(session), now, &loop, done = std::move(done)]() mutable {
    auth::SessionResolver::Result result = resolver->resolve(session, now);
    loop.post([result = std::move(result), done = std::move(done)] {
      switch (result.outcome) {
        case auth::SessionResolver::Outcome::kUser:
          done(UpgradeAuth{0, {}, result.identity, {}});
          break;
        case auth::SessionResolver::Outcome::kNoSession:
          done(UpgradeAuth{0, {}, auth::anonymous_identity(), {}});
          break;
        case auth::SessionResolver::Outcome::kUnavailable:
          done(UpgradeAuth{503, result.error, nullptr, {}});
          break;
      }
    });
  });
}

std::unique_ptr<protocol::websocket::WebSocketHandler> RoomsDialect::create_session(
    SessionContext& context, const protocol::http::HttpRequest&, auth::IdentityPtr identity,
    std::string connection_id) {
  return std::make_unique<RoomsSession>(context, settings_, encoding_slot_, std::move(identity),
                                        std::move(connection_id));
}

}  // namespace sb::dialects::rooms

#pragma once
#include "dialects/dialect.h"

namespace sb::dialects::topics {

// The `topics` dialect (lowercase `type`/`topic`/`data` messages).
class TopicsDialect final : public Dialect {
 public:
  // encoding_slot: this dialect's slot in each publication's encoding cache.
  explicit TopicsDialect(size_t encoding_slot) : encoding_slot_(encoding_slot) {}
  std::string_view name() const override { return "topics"; }
  // A token in the upgrade's URL (`?token=`) is verified with the handshake: the connection
  // opens authenticated, without an `auth` message's round trip.
  void authenticate_upgrade(SessionContext& context, const protocol::http::HttpRequest& request,
                            const std::vector<std::string>& allowed_origins, UpgradeAuthDone done) override;
  std::unique_ptr<protocol::websocket::WebSocketHandler> create_session(
      SessionContext& context, const protocol::http::HttpRequest& upgrade_request, auth::IdentityPtr identity,
      std::string connection_id) override;

 private:
  size_t encoding_slot_;
};

}  // namespace sb::dialects::topics

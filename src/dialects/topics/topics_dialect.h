#pragma once
#include "dialects/dialect.h"

namespace sb::dialects::topics {

// The `topics` dialect (lowercase `type`/`topic`/`data` messages).
class TopicsDialect final : public Dialect {
 public:
  // encoding_slot: this dialect's slot in each publication's encoding cache.
  explicit TopicsDialect(size_t encoding_slot) : encoding_slot_(encoding_slot) {}
  std::string_view name() const override { return "topics"; }
  std::unique_ptr<protocol::websocket::WebSocketHandler> create_session(
      SessionContext& context, const protocol::http::HttpRequest& upgrade_request, auth::IdentityPtr identity,
      std::string connection_id) override;

 private:
  size_t encoding_slot_;
};

}  // namespace sb::dialects::topics

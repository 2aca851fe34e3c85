#pragma once
#include "dialects/dialect.h"

namespace sb::dialects::envelope {

// The `envelope` dialect (seed 000): UPPERCASE types in {id, type, timestamp, payload,
// metadata} envelopes, with presence, typing, cursors and stored notifications.
class EnvelopeDialect final : public Dialect {
 public:
  explicit EnvelopeDialect(size_t encoding_slot) : encoding_slot_(encoding_slot) {}
  std::string_view name() const override { return "envelope"; }
  // Maintenance is announced in-band: ERROR MAINTENANCE, then close 1013.
  bool speaks_during_maintenance() const override { return true; }
  // A ?token= is verified here; a bad one is reported in-band (ERROR AUTH_FAILED) once the
  // socket is open, since browsers cannot read a refused upgrade's status.
  void authenticate_upgrade(SessionContext& context, const protocol::http::HttpRequest& request,
                            const std::vector<std::string>& allowed_origins,
                            UpgradeAuthDone done) override;
  std::unique_ptr<protocol::websocket::WebSocketHandler> create_session(
      SessionContext& context, const protocol::http::HttpRequest& upgrade_request, auth::IdentityPtr identity,
      std::string connection_id) override;

 private:
  size_t encoding_slot_;
};

}  // namespace sb::dialects::envelope

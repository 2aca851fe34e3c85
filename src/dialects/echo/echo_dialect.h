#pragma once
#include "dialects/dialect.h"

namespace sb::dialects::echo {

// The `echo` dialect sends every message back unchanged (text as text, binary as binary).
// It joins no channel; it exists for protocol conformance runs (the Autobahn case groups
// are defined against an echo server) and for raw framing benchmarks.
class EchoDialect final : public Dialect {
 public:
  std::string_view name() const override { return "echo"; }
  std::unique_ptr<protocol::websocket::WebSocketHandler> create_session(
      SessionContext& context, const protocol::http::HttpRequest& upgrade_request, auth::IdentityPtr identity,
      std::string connection_id) override;
};

}  // namespace sb::dialects::echo

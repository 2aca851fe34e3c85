#include "dialects/echo/echo_dialect.h"

#include "protocol/websocket/frame.h"

namespace sb::dialects::echo {

namespace {

namespace ws = protocol::websocket;

class EchoSession final : public ws::WebSocketHandler {
 public:
  explicit EchoSession(observability::LoopMetrics& metrics) : metrics_(metrics) {}
  void on_open(ws::WebSocketConnection&) override {}
  void on_message(ws::WebSocketConnection& connection, ws::Opcode opcode, std::string_view data) override {
    metrics_.messages_in.fetch_add(1, std::memory_order_relaxed);
    connection.send_message(opcode, data);
    metrics_.messages_out.fetch_add(1, std::memory_order_relaxed);
  }
  void on_disconnected(ws::WebSocketConnection&, uint16_t) override {}

 private:
  observability::LoopMetrics& metrics_;
};

}  // namespace

std::unique_ptr<protocol::websocket::WebSocketHandler> EchoDialect::create_session(
    SessionContext& context, const protocol::http::HttpRequest&, auth::IdentityPtr, std::string) {
  return std::make_unique<EchoSession>(context.metrics);
}

}  // namespace sb::dialects::echo

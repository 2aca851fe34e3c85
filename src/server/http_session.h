#pragma once
#include <memory>
#include <optional>
#include <string>

#include "auth/identity.h"
#include "protocol/http/request_parser.h"
#include "protocol/http/response.h"
#include "protocol/websocket/permessage_deflate.h"
#include "server/endpoint.h"
#include "transport/tcp_connection.h"

namespace sb::dialects {
class Dialect;
}

namespace sb::server {

class Worker;

// A connection in its HTTP phase: parses requests (keep-alive, pipelined one at a time),
// answers the API, and on a WebSocket endpoint performs the upgrade and hands the socket
// to a WebSocketConnection with the endpoint's dialect.
class HttpSession final : public transport::ConnectionHandler {
 public:
  // local_port: the port the connection came in on (endpoints are per port and path).
  HttpSession(Worker& worker, transport::TcpConnection& tcp, uint16_t local_port);
  ~HttpSession();

  // Continues on this loop a connection another worker handed over: answers the request it
  // had parsed there, then reads on (early: bytes that followed the request).
  void resume(protocol::http::HttpRequest request, std::string early);

  void on_data(uint8_t* data, size_t length) override;
  void on_closed() override;
  void on_sweep(uint64_t now_ms) override;
  void on_shutdown() override;

 private:
  // Parses and answers what is in data; returns after an upgrade or when waiting.
  void process(uint8_t* data, size_t length);
  void handle(uint8_t* rest, size_t rest_length);
  void respond(protocol::http::HttpResponse response);
  // Checks the handshake, lets the dialect authenticate (maybe asynchronously), then
  // completes the upgrade with complete_upgrade().
  void upgrade(const protocol::http::HttpRequest& request, const Endpoint& endpoint, uint8_t* rest,
               size_t rest_length);
  // deflate: the negotiated permessage-deflate, when there is one.
  void complete_upgrade(dialects::Dialect& dialect, const std::string& accept_response, auth::IdentityPtr identity,
                        const std::optional<protocol::websocket::DeflateParams>& deflate);
  // A plain request on a dialect's endpoint (a long poll); false when the dialect serves
  // none. The answer may come much later: input is not paused meanwhile, so a client that
  // hangs up is noticed, but what it sends is held (and reading paused past a bound).
  // Answers carry CORS headers for the endpoint's allowed origins (with credentials).
  bool serve_dialect_request(const Endpoint& endpoint);
  // Gives the connection to the worker that owns the state its request names.
  void hand_over(size_t worker_index, uint8_t* rest, size_t rest_length);
  void finish();
  // A response is being computed (an API call, an upgrade's authentication). When it is
  // not ready by the time the call returns, hold_input_while_waiting() stops reading the
  // socket until it is written, so nothing piles up behind the request.
  void set_waiting(bool waiting);
  void hold_input_while_waiting();
  // Request deadlines: the head and the body must each arrive in time (408 otherwise).
  void check_deadlines(uint64_t now_ms);
  // Starts the deadlines of what has arrived; answers "100 Continue" when the client waits
  // for it before sending a body that is still awaited.
  void note_progress(bool body_awaited);

  Worker& worker_;
  transport::TcpConnection* tcp_;
  protocol::http::RequestParser parser_;
  std::string held_;            // input that arrived while a response was pending
  std::shared_ptr<HttpSession*> alive_;  // nulled when the session ends; async replies check it
  uint64_t last_activity_ms_;
  uint64_t head_started_ms_ = 0;  // first byte of the current request, 0 when none
  uint64_t body_started_ms_ = 0;  // end of the current request's headers, 0 before
  bool continue_sent_ = false;    // "100 Continue" answered for the current request
  uint16_t local_port_;
  bool waiting_ = false;
  bool keep_alive_ = true;
};

}  // namespace sb::server

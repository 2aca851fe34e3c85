#include "server/http_session.h"

#include "api/http_api.h"
#include "protocol/http/origin.h"
#include "dialects/dialect.h"
#include "protocol/websocket/handshake.h"
#include "protocol/websocket/websocket_connection.h"
#include "server/server.h"
#include "server/worker.h"

namespace sb::server {

namespace http = protocol::http;
namespace ws = protocol::websocket;

namespace {
constexpr uint64_t kIdleTimeoutMs = 60000;
// Input held while an answer is pending; past this, reading pauses until it is written.
constexpr size_t kMaxHeldBytes = 64 * 1024;
}

HttpSession::HttpSession(Worker& worker, transport::TcpConnection& tcp, uint16_t local_port)
    : worker_(worker),
      tcp_(&tcp),
      parser_(http::ParserLimits{worker.server().config().max_header_bytes, worker.server().config().max_body_bytes}),
      alive_(std::make_shared<HttpSession*>(this)),
      last_activity_ms_(tcp.loop().now_ms()),
      local_port_(local_port) {}

HttpSession::~HttpSession() { *alive_ = nullptr; }

void HttpSession::on_data(uint8_t* data, size_t length) {
  last_activity_ms_ = tcp_->loop().now_ms();
  if (waiting_) {
    // Kept until the answer is out (read before reading paused, or during a long poll).
    held_.append(reinterpret_cast<char*>(data), length);
    if (held_.size() > kMaxHeldBytes) tcp_->pause_reading();
    return;
  }
  process(data, length);
}

void HttpSession::set_waiting(bool waiting) {
  waiting_ = waiting;
  if (!waiting && tcp_ != nullptr && tcp_->reading_paused()) tcp_->resume_reading();
}

void HttpSession::hold_input_while_waiting() {
  // Only an answer that did not come at once pauses the socket: most requests are answered
  // in the same call and cost no extra system call.
  if (waiting_ && tcp_ != nullptr) tcp_->pause_reading();
}

void HttpSession::note_progress(bool body_awaited) {
  uint64_t now = tcp_->loop().now_ms();
  if (parser_.started() && head_started_ms_ == 0) head_started_ms_ = now;
  if (parser_.headers_complete() && body_started_ms_ == 0) body_started_ms_ = now;
  if (body_awaited && parser_.headers_complete() && parser_.expects_body() && !continue_sent_ &&
      http::iequals(parser_.request().header("Expect"), "100-continue")) {
    // The client waits for this before sending its body (curl does for large bodies).
    continue_sent_ = true;
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    tcp_->send(kContinue.data(), kContinue.size());
  }
}

void HttpSession::check_deadlines(uint64_t now_ms) {
  if (waiting_ || head_started_ms_ == 0) return;
  const auto& config = worker_.server().config();
  const char* phase = nullptr;
  if (body_started_ms_ != 0) {
    if (config.request_body_timeout_ms != 0 && now_ms - body_started_ms_ > config.request_body_timeout_ms) phase = "body";
  } else if (config.request_head_timeout_ms != 0 && now_ms - head_started_ms_ > config.request_head_timeout_ms) {
    phase = "head";
  }
  if (phase == nullptr) return;
  auto& counter = body_started_ms_ != 0 ? worker_.metrics().request_body_timeouts
                                        : worker_.metrics().request_head_timeouts;
  counter.fetch_add(1, std::memory_order_relaxed);
  http::HttpResponse r = http::json_error(408, std::string("the request ") + phase + " did not arrive in time");
  r.close = true;
  respond(std::move(r));
}

void HttpSession::process(uint8_t* data, size_t length) {
  while (tcp_ != nullptr && !waiting_ && length > 0) {
    size_t consumed = 0;
    auto status = parser_.feed(reinterpret_cast<const char*>(data), length, consumed);
    note_progress(status == http::RequestParser::Status::kNeedMore);
    if (status == http::RequestParser::Status::kNeedMore) return;
    if (status == http::RequestParser::Status::kError) {
      worker_.metrics().count_error(parser_.error_status());
      http::HttpResponse r = http::json_error(parser_.error_status(), "malformed request");
      r.close = true;
      respond(std::move(r));
      return;
    }
    data += consumed;
    length -= consumed;
    // Counted where parsed: a request handed to another loop is handled there once more.
    worker_.metrics().http_requests.fetch_add(1, std::memory_order_relaxed);
    handle(data, length);
    if (tcp_ == nullptr || tcp_->handler() != this) return;  // upgraded or closed
    if (parser_.request().upgrade) return;                    // the rest belongs to the upgrade
    if (waiting_) {
      held_.assign(reinterpret_cast<char*>(data), length);
      return;
    }
  }
}

void HttpSession::handle(uint8_t* rest, size_t rest_length) {
  const http::HttpRequest& request = parser_.request();
  keep_alive_ = request.keep_alive;
  Server& server = worker_.server();
  if (const Endpoint* endpoint = server.endpoint_for(local_port_, request.path())) {
    dialects::Dialect* dialect = endpoint->dialect;
    if (!server.config().websocket_enabled) {
      http::HttpResponse r = http::json_error(503, "WebSocket is disabled (WEBSOCKET_ENABLED=false)");
      respond(std::move(r));
      return;
    }
    if (server.maintenance().load(std::memory_order_relaxed) && !dialect->speaks_during_maintenance()) {
      http::HttpResponse r = http::json_error(503, "MAINTENANCE: the service is in maintenance; try again later");
      r.close = true;
      respond(std::move(r));
      return;
    }
    // A browser's long-polling client (Socket.IO) asks first when it is on another origin.
    if (auto preflight = http::cors_preflight(request, endpoint->allowed_origins, true)) {
      respond(std::move(*preflight));
      return;
    }
    if (auto owner = dialect->owning_loop(request); owner && *owner != worker_.index()) {
      hand_over(*owner, rest, rest_length);
      return;
    }
    if (request.upgrade || http::header_has_token(request.header("Upgrade"), "websocket")) {
      upgrade(request, *endpoint, rest, rest_length);
      return;
    }
    if (serve_dialect_request(*endpoint)) return;
    http::HttpResponse r = http::json_error(426, "this endpoint speaks WebSocket: send Upgrade: websocket");
    r.headers.emplace_back("Upgrade", "websocket");
    r.headers.emplace_back("Sec-WebSocket-Version", "13");
    respond(std::move(r));
    return;
  }
  if (request.upgrade) {
    // Upgrade requests leave the connection's byte stream in the new protocol; a path we
    // do not serve cannot continue as HTTP.
    http::HttpResponse r = http::json_error(404, "no WebSocket endpoint at this path");
    r.close = true;
    respond(std::move(r));
    return;
  }
  // Pages of the allowed origins may call the API from the browser (CORS).
  const std::vector<std::string>& allowed = server.config().allowed_origins;
  if (auto preflight = http::cors_preflight(request, allowed)) {
    respond(std::move(*preflight));
    return;
  }
  set_waiting(true);
  std::weak_ptr<HttpSession*> weak = alive_;
  server.api().handle(request, tcp_->loop(), worker_.index(), tcp_->peer_key(),
                      [weak, origin = std::string(request.header("Origin")), &allowed](http::HttpResponse response) {
    auto alive = weak.lock();
    if (!alive || *alive == nullptr) return;
    HttpSession* self = *alive;
    self->set_waiting(false);
    http::add_cors_headers(origin, allowed, response);
    self->respond(std::move(response));
    if (self->tcp_ != nullptr && !self->held_.empty()) {
      std::string pending;
      pending.swap(self->held_);
      self->process(reinterpret_cast<uint8_t*>(pending.data()), pending.size());
    }
  });
  hold_input_while_waiting();
}

bool HttpSession::serve_dialect_request(const Endpoint& endpoint) {
  dialects::Dialect& dialect = *endpoint.dialect;
  set_waiting(true);
  std::weak_ptr<HttpSession*> weak = alive_;
  dialects::HttpReply reply;
  reply.send = [weak, origin = std::string(parser_.request().header("Origin")),
                &allowed = endpoint.allowed_origins](http::HttpResponse response) {
    auto alive = weak.lock();
    if (!alive || *alive == nullptr) return;
    HttpSession* self = *alive;
    self->set_waiting(false);
    http::add_cors_headers(origin, allowed, response, true);
    self->respond(std::move(response));
    if (self->tcp_ == nullptr || self->held_.empty()) return;
    // Input that waited is parsed after this turn: the answer may come from inside another
    // request's handling, which must not be re-entered.
    self->worker_.loop().defer([weak] {
      auto again = weak.lock();
      if (!again || *again == nullptr) return;
      HttpSession* session = *again;
      if (session->waiting_ || session->tcp_ == nullptr || session->held_.empty()) return;
      std::string pending;
      pending.swap(session->held_);
      session->process(reinterpret_cast<uint8_t*>(pending.data()), pending.size());
    });
  };
  reply.connected = [weak] {
    auto alive = weak.lock();
    return alive && *alive != nullptr && (*alive)->tcp_ != nullptr && !(*alive)->tcp_->closing();
  };
  if (!dialect.serve_http(worker_.session_context(), parser_.request(), dialects::HttpPeer{tcp_->peer_key()},
                          std::move(reply))) {
    set_waiting(false);
    return false;
  }
  return true;
}

void HttpSession::hand_over(size_t worker_index, uint8_t* rest, size_t rest_length) {
  if (tcp_->buffered_bytes() != 0) {
    // A pipelining client whose previous answer is still being written: it cannot move.
    http::HttpResponse r = http::json_error(503, "this request must be sent on a new connection");
    r.close = true;
    respond(std::move(r));
    return;
  }
  std::string early(reinterpret_cast<char*>(rest), rest_length);
  uint8_t tag = tcp_->tag();
  tcp_->set_tag(0);  // the limiter slot moves with the connection
  transport::TcpConnection::Detached connection = tcp_->detach();
  tcp_ = nullptr;
  worker_.metrics().connections_handed_over.fetch_add(1, std::memory_order_relaxed);
  Worker& owner = worker_.server().worker(worker_index);
  owner.adopt(std::move(connection), tag, local_port_, std::move(parser_.request()), std::move(early));
  finish();
}

void HttpSession::resume(http::HttpRequest request, std::string early) {
  parser_.request() = std::move(request);
  handle(reinterpret_cast<uint8_t*>(early.data()), early.size());
  if (tcp_ == nullptr || tcp_->handler() != this || parser_.request().upgrade) return;
  if (waiting_) {
    held_ = std::move(early);
    return;
  }
  if (!early.empty()) process(reinterpret_cast<uint8_t*>(early.data()), early.size());
}

void HttpSession::respond(http::HttpResponse response) {
  if (tcp_ == nullptr) return;
  if (response.status >= 400) worker_.metrics().count_error(response.status);
  if (!keep_alive_) response.close = true;
  std::string out;
  http::serialize(response, out);
  tcp_->send(out.data(), out.size());
  parser_.reset();
  head_started_ms_ = 0;
  body_started_ms_ = 0;
  continue_sent_ = false;
  if (response.close) tcp_->close_after_flush();
}

void HttpSession::upgrade(const http::HttpRequest& request, const Endpoint& endpoint, uint8_t* rest,
                          size_t rest_length) {
  Server& server = worker_.server();
  dialects::Dialect& dialect = *endpoint.dialect;
  ws::HandshakeOptions options;
  options.allowed_origins = endpoint.allowed_origins;
  options.subprotocols = server.config().subprotocols;
  options.deflate = endpoint.deflate;
  ws::HandshakeResult result = ws::check_upgrade(request, options);
  if (result.status != 101) {
    http::HttpResponse r = http::json_error(result.status, result.error);
    if (result.status == 426) r.headers.emplace_back("Sec-WebSocket-Version", "13");
    r.close = true;
    respond(std::move(r));
    return;
  }
  std::string accept;
  ws::append_upgrade_response(result, accept);
  // Frames a client sent right behind its request wait until the upgrade completes.
  held_.assign(reinterpret_cast<char*>(rest), rest_length);
  set_waiting(true);
  std::weak_ptr<HttpSession*> weak = alive_;
  std::optional<ws::DeflateParams> negotiated;
  if (result.deflate) negotiated = result.deflate_params;
  dialect.authenticate_upgrade(
      worker_.session_context(), request, endpoint.allowed_origins,
      [weak, &dialect, accept = std::move(accept), negotiated](dialects::UpgradeAuth auth) {
        auto alive = weak.lock();
        if (!alive || *alive == nullptr) return;
        HttpSession* self = *alive;
        self->set_waiting(false);
        if (auth.refuse_status != 0) {
          http::HttpResponse r = http::json_error(auth.refuse_status, auth.refuse_reason);
          if (!auth.refuse_body.empty()) r.body = std::move(auth.refuse_body);
          r.close = true;
          self->respond(std::move(r));
          return;
        }
        self->complete_upgrade(dialect, accept, auth.identity ? auth.identity : auth::anonymous_identity(), negotiated);
      });
  hold_input_while_waiting();
}

void HttpSession::complete_upgrade(dialects::Dialect& dialect, const std::string& accept_response,
                                   auth::IdentityPtr identity, const std::optional<ws::DeflateParams>& deflate) {
  if (tcp_ == nullptr) return;
  tcp_->send(accept_response.data(), accept_response.size());
  worker_.metrics().websocket_upgrades.fetch_add(1, std::memory_order_relaxed);
  const auto& config = worker_.server().config();
  ws::ConnectionOptions options;
  options.max_message_size = config.max_message_size;
  options.keep_alive = dialect.keep_alive().value_or(ws::KeepAlive{config.ping_interval_ms, config.ping_timeout_ms});
  options.metrics = &worker_.metrics();
  if (deflate) {
    options.compression = true;
    options.deflate = *deflate;
    options.compression_threshold = config.deflate.threshold;
  }
  auto session = dialect.create_session(worker_.session_context(), parser_.request(), std::move(identity),
                                        worker_.next_connection_id());
  auto* connection = new ws::WebSocketConnection(*tcp_, std::move(session), options);
  transport::TcpConnection* tcp = tcp_;
  tcp->set_handler(connection);
  tcp_ = nullptr;
  std::string early;
  early.swap(held_);
  finish();
  // Bytes that followed the request are the client's first frames.
  if (!early.empty() && !tcp->closed() && tcp->handler() == connection) {
    connection->on_data(reinterpret_cast<uint8_t*>(early.data()), early.size());
  }
}

void HttpSession::finish() {
  *alive_ = nullptr;
  transport::EventLoop& loop = worker_.loop();
  loop.defer([this] { delete this; });
}

void HttpSession::on_closed() {
  tcp_ = nullptr;
  finish();
}

void HttpSession::on_sweep(uint64_t now_ms) {
  if (tcp_ == nullptr) return;
  tcp_->sweep(now_ms);
  if (tcp_ == nullptr) return;
  check_deadlines(now_ms);
  if (tcp_ != nullptr && !waiting_ && now_ms - last_activity_ms_ > kIdleTimeoutMs) tcp_->close();
}

void HttpSession::on_shutdown() {
  if (tcp_ != nullptr) tcp_->close_after_flush();
}

}  // namespace sb::server

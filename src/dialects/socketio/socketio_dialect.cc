#include "dialects/socketio/socketio_dialect.h"

#include "dialects/socketio/session_id.h"
#include "json/json_writer.h"

namespace sb::dialects::socketio {

namespace http = protocol::http;
namespace eio = protocol::engineio;

namespace {

// The request's complaint about its protocol version or transport, if any.
std::optional<eio::RequestError> check_request(const http::HttpRequest& request, std::string_view transport) {
  if (request.query_param("EIO") != "4") return eio::RequestError::kUnsupportedProtocolVersion;
  std::string named = request.query_param("transport");
  if (named != "polling" && named != "websocket") return eio::RequestError::kTransportUnknown;
  if (named != transport) return eio::RequestError::kBadRequest;
  return std::nullopt;
}

UpgradeAuth refusal(eio::RequestError error) {
  http::HttpResponse r = engine_error_response(error);
  return UpgradeAuth{r.status, std::string(eio::to_string(error)), nullptr, std::move(r.body)};
}

}  // namespace

SocketIoDialect::SocketIoDialect(hub::Hub& hub, const config::SocketIoConfig& settings, size_t loops,
                                 size_t encoding_slot, size_t recovery_encoding_slot, transport::WorkPool& action_pool)
    : hub_(hub),
      settings_(settings),
      forwarder_(settings.actions_url, settings.action_timeout_ms),
      services_{settings_, actions_, forwarder_, action_pool, static_cast<uint8_t>(encoding_slot),
                static_cast<uint8_t>(recovery_encoding_slot)},
      loops_(loops),
      forwarding_(hub, settings, loops, [this](size_t loop, std::string_view sid) -> EngineSocket* {
        SocketIoSession* session = find(loop, sid);
        return session != nullptr ? &session->engine() : nullptr;
      }) {}

SocketIoDialect::~SocketIoDialect() = default;

std::optional<size_t> SocketIoDialect::owning_loop(const http::HttpRequest& request) const {
  std::string sid = request.query_param("sid");
  auto parts = parse_session_id(sid);  // views into sid
  // Another node's sid is forwarded from whichever loop took the request.
  if (!parts || parts->node != hub_.node_id() || parts->loop >= loops_.size()) return std::nullopt;
  return parts->loop;
}

SocketIoSession* SocketIoDialect::find(size_t loop, std::string_view sid) {
  auto& sessions = loops_[loop].by_sid;
  auto it = sessions.find(std::string(sid));
  if (it == sessions.end() || it->second->engine().closed()) return nullptr;
  return it->second.get();
}

SocketIoSession& SocketIoDialect::open_session(SessionContext& context, EngineSocket::Transport transport,
                                               const http::HttpRequest& request, std::string connection_id,
                                               std::string limiter_key) {
  std::string sid = make_session_id(context.shard_index, hub_.node_id());
  auto session = std::make_unique<SocketIoSession>(
      context, services_,
      SessionOrigin{sid, transport, request.query_param("sessionId"), request.query_param("artifactId"),
                    std::move(connection_id), std::move(limiter_key)});
  SocketIoSession& ref = *session;
  loops_[context.shard_index].by_sid.emplace(std::move(sid), std::move(session));
  return ref;
}

void SocketIoDialect::authenticate_upgrade(SessionContext& context, const http::HttpRequest& request,
                                           const std::vector<std::string>& /*allowed_origins*/,
                                           UpgradeAuthDone done) {
  if (auto error = check_request(request, "websocket")) {
    done(refusal(*error));
    return;
  }
  std::string sid = request.query_param("sid");
  if (!sid.empty() && forwarding_.owner_elsewhere(sid)) {
    // The owner decides when the WebSocket opens: a refusal closes it then.
    done(UpgradeAuth{0, {}, auth::anonymous_identity(), {}});
    return;
  }
  if (!sid.empty()) {
    SocketIoSession* session = find(context.shard_index, sid);
    if (session == nullptr) {
      done(refusal(eio::RequestError::kUnknownSid));
      return;
    }
    if (!session->engine().can_take_websocket()) {
      done(refusal(eio::RequestError::kBadRequest));
      return;
    }
  }
  done(UpgradeAuth{0, {}, auth::anonymous_identity(), {}});
}

std::optional<protocol::websocket::KeepAlive> SocketIoDialect::keep_alive() const {
  return protocol::websocket::KeepAlive{0, settings_.ping_interval_ms + settings_.ping_timeout_ms};
}

std::unique_ptr<protocol::websocket::WebSocketHandler> SocketIoDialect::create_session(
    SessionContext& context, const http::HttpRequest& upgrade_request, auth::IdentityPtr, std::string connection_id) {
  std::string sid = upgrade_request.query_param("sid");
  if (auto owner = forwarding_.owner_elsewhere(sid)) {
    return forwarding_.forward_websocket(context.shard_index, std::move(*owner), std::move(sid));
  }
  if (!sid.empty()) {
    // An upgrade of a polling session: this WebSocket is its probe.
    SocketIoSession* session = find(context.shard_index, sid);
    if (session == nullptr || !session->engine().can_take_websocket()) {
      return std::make_unique<EngineWebSocket>(nullptr);  // closes at once
    }
    return std::unique_ptr<EngineWebSocket>(session->engine().take_websocket());
  }
  SocketIoSession& session =
      open_session(context, EngineSocket::Transport::kWebSocket, upgrade_request, std::move(connection_id), {});
  return std::unique_ptr<EngineWebSocket>(session.engine().take_websocket());
}

bool SocketIoDialect::serve_http(SessionContext& context, const http::HttpRequest& request, const HttpPeer& peer,
                                 HttpReply reply) {
  if (auto error = check_request(request, "polling")) {
    // A plain GET for the websocket transport is a handshake that forgot its Upgrade.
    reply.send(engine_error_response(*error));
    return true;
  }
  if (request.query_param("sid").empty()) {
    if (request.method != "GET") {
      reply.send(engine_error_response(eio::RequestError::kBadHandshakeMethod));
      return true;
    }
    // A polling session holds no connection of its own: it takes a per-address slot, as a
    // connection does, until it ends.
    auto verdict = context.limiter.try_acquire(peer.address_key, context.loop.now_ms());
    if (verdict != hub::ConnectionLimiter::Verdict::kAccepted) {
      context.metrics.connections_refused.fetch_add(1, std::memory_order_relaxed);
      http::HttpResponse r;
      r.status = 429;
      r.headers.emplace_back("Retry-After", "1");
      json::ObjectWriter(r.body).number("code", 4).string("message", "Too many sessions from this address").end();
      reply.send(std::move(r));
      return true;
    }
    auto& loop = loops_[context.shard_index];
    // Unique in the cluster, as every connection id: publications name their sender by it.
    std::string connection_id = "sio-" + context.hub.node_id() + "-" + std::to_string(context.shard_index) + "-" +
                                std::to_string(++loop.counter);
    SocketIoSession& session = open_session(context, EngineSocket::Transport::kPolling, request,
                                            std::move(connection_id), peer.address_key);
    reply.send(polling_response(session.engine().open_packet()));
    return true;
  }
  std::string sid = request.query_param("sid");
  if (auto owner = forwarding_.owner_elsewhere(sid)) {
    forwarding_.forward_http(context.shard_index, context.loop.now_ms(), *owner, sid, request, std::move(reply));
    return true;
  }
  SocketIoSession* session = find(context.shard_index, sid);
  if (session == nullptr) {
    reply.send(engine_error_response(eio::RequestError::kUnknownSid));
    return true;
  }
  if (request.method == "GET") {
    session->engine().poll(std::move(reply));
  } else if (request.method == "POST") {
    session->engine().receive_payload(request.body, std::move(reply));
  } else {
    reply.send(engine_error_response(eio::RequestError::kBadRequest));
  }
  return true;
}

void SocketIoDialect::on_loop_sweep(SessionContext& context, uint64_t now_ms) {
  auto& sessions = loops_[context.shard_index].by_sid;
  for (auto it = sessions.begin(); it != sessions.end();) {
    SocketIoSession& session = *it->second;
    if (!session.engine().closed()) session.tick(now_ms);
    // Ended sessions are freed here, a turn or more after their last callback.
    it = session.engine().closed() ? sessions.erase(it) : std::next(it);
  }
  forwarding_.sweep(context.shard_index, now_ms);
}

void SocketIoDialect::on_loop_shutdown(SessionContext& context) {
  auto& sessions = loops_[context.shard_index].by_sid;
  for (auto& [sid, session] : sessions) session->engine().close();
  sessions.clear();
  forwarding_.shutdown(context.shard_index);
}

}  // namespace sb::dialects::socketio

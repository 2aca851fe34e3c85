#include "dialects/socketio/socketio_session.h"

#include <simdjson.h>

#include "dialects/socketio/socketio_protocol.h"
#include "dialects/text_frame.h"
#include "hub/topic.h"
#include "json/json_writer.h"
#include "protocol/engineio/engineio_packet.h"

namespace sb::dialects::socketio {

namespace ws = protocol::websocket;
namespace eio = protocol::engineio;
namespace sio = protocol::socketio;

SocketIoSession::SocketIoSession(SessionContext& context, const config::SocketIoConfig& settings,
                                 const features::actions::ActionRegistry& actions,
                                 const features::actions::ActionForwarder& forwarder, transport::WorkPool& action_pool,
                                 size_t encoding_slot, std::string session_param, std::string artifact_id,
                                 std::string connection_id)
    : context_(context),
      settings_(settings),
      actions_(actions),
      forwarder_(forwarder),
      action_pool_(action_pool),
      self_(std::make_shared<SocketIoSession*>(this)),
      core_(context, *this, std::move(connection_id), "socketio"),
      rate_(settings.max_messages, settings.window_ms),
      session_param_(std::move(session_param)),
      artifact_id_(std::move(artifact_id)),
      encoding_slot_(static_cast<uint8_t>(encoding_slot)) {}

void SocketIoSession::send(std::string_view text) {
  if (ws_ == nullptr) return;
  ws_->send_text(text);
  context_.metrics.messages_out.fetch_add(1, std::memory_order_relaxed);
}

void SocketIoSession::on_open(ws::WebSocketConnection& ws) {
  ws_ = &ws;
  core_.open(auth::anonymous_identity(), 0);
  last_ping_ms_ = context_.loop.now_ms();
  send(open_packet(core_.connection_id(), settings_.ping_interval_ms, settings_.ping_timeout_ms,
                   settings_.max_payload));
}

void SocketIoSession::on_message(ws::WebSocketConnection&, ws::Opcode opcode, std::string_view data) {
  context_.metrics.messages_in.fetch_add(1, std::memory_order_relaxed);
  if (opcode == ws::Opcode::kBinary) {
    // Attachments of a binary packet; events with binary data are not served yet (they were
    // answered with an ERROR when their header arrived).
    if (skip_attachments_ > 0) --skip_attachments_;
    return;
  }
  handle_engine_packet(data);
}

void SocketIoSession::handle_engine_packet(std::string_view text) {
  eio::Packet packet;
  std::string scratch;
  if (eio::parse_text_packet(text, packet, scratch) != eio::ParseStatus::kOk) {
    send(message_packet(render_error({}, {}, "INVALID_PACKET", "not an Engine.IO packet")));
    return;
  }
  switch (packet.type) {
    case eio::PacketType::kPong:
      awaiting_pong_ = false;
      return;
    case eio::PacketType::kPing: {
      // Not the v4 heartbeat (the server pings), but answered: "2probe" gets "3probe".
      std::string pong;
      eio::append_text_packet(pong, eio::PacketType::kPong, packet.data);
      send(pong);
      return;
    }
    case eio::PacketType::kClose:
      if (ws_ != nullptr) ws_->close(ws::CloseCode::kNormal, {});
      return;
    case eio::PacketType::kMessage:
      if (packet.binary) return;
      handle_socket_packet(packet.data);
      return;
    case eio::PacketType::kOpen:
    case eio::PacketType::kUpgrade:
    case eio::PacketType::kNoop:
      return;
  }
}

void SocketIoSession::handle_socket_packet(std::string_view text) {
  sio::Packet packet;
  sio::ParseStatus status = sio::parse(text, packet);
  if (status != sio::ParseStatus::kOk) {
    if (!connected_) {
      connect_error("/", std::string("invalid packet: ") + std::string(sio::to_string(status)));
    } else {
      send(message_packet(render_error({}, {}, "INVALID_PACKET", sio::to_string(status))));
    }
    return;
  }
  switch (packet.type) {
    case sio::PacketType::kConnect:
      handle_connect(packet);
      return;
    case sio::PacketType::kDisconnect:
      if (packet.nsp == "/" && ws_ != nullptr) ws_->close(ws::CloseCode::kNormal, {});
      return;
    case sio::PacketType::kEvent:
      handle_event(packet);
      return;
    case sio::PacketType::kBinaryEvent:
    case sio::PacketType::kBinaryAck:
      skip_attachments_ += packet.attachments;
      if (connected_) {
        answer(packet, render_error({}, {}, "UNSUPPORTED", "binary events are not supported on this server yet"));
      }
      return;
    case sio::PacketType::kAck:
    case sio::PacketType::kConnectError:
      return;  // the server asks no acks; CONNECT_ERROR is the server's to send
  }
}

void SocketIoSession::connect_error(std::string_view nsp, std::string_view message) {
  std::string data;
  json::ObjectWriter(data).string("message", message).end();
  std::string out;
  eio::append_text_packet(out, eio::PacketType::kMessage);
  sio::append(out, sio::Packet{sio::PacketType::kConnectError, 0, nsp, false, 0, data});
  send(out);
}

void SocketIoSession::handle_connect(const sio::Packet& packet) {
  if (packet.nsp != "/") {
    connect_error(packet.nsp, "Invalid namespace");
    return;
  }
  if (connected_) return;
  std::string_view token;
  thread_local simdjson::dom::parser parser;
  simdjson::dom::object auth_object;
  bool has_auth = !packet.data.empty() &&
                  parser.parse(packet.data.data(), packet.data.size()).get_object().get(auth_object) == simdjson::SUCCESS;
  if (!has_auth || auth_object["token"].get_string().get(token) != simdjson::SUCCESS || token.empty()) {
    connect_error("/", "Authentication required: give auth: {token}");
    return;
  }
  if (session_param_.empty()) {
    connect_error("/", "The sessionId query parameter is required");
    return;
  }
  auto identity = std::make_shared<auth::Identity>();
  auth::JwtStatus status = context_.jwt.verify(token, static_cast<int64_t>(now_ms() / 1000), *identity);
  if (status != auth::JwtStatus::kOk) {
    connect_error("/", std::string("Authentication failed: ") + std::string(auth::to_string(status)));
    return;
  }
  if (!identity->session_id.empty() && identity->session_id != session_param_) {
    connect_error("/", "The sessionId does not match the token's session");
    return;
  }
  // The company's and the artifact's updates: channels of the core, under the policy, checked
  // before anything changes.
  std::vector<std::string> groups;
  if (!identity->tenant.empty()) {
    groups.push_back("company:" + identity->tenant);
    if (!artifact_id_.empty()) groups.push_back(groups.front() + ":artifact:" + artifact_id_);
  }
  for (const auto& channel : groups) {
    if (!hub::is_valid_channel(channel) ||
        context_.policy.can_subscribe(*identity, channel) != auth::Decision::kAllow) {
      connect_error("/", "Not allowed to receive the updates of " + channel);
      return;
    }
  }
  std::vector<std::string> left;
  core_.set_identity(identity, 0, left);
  if (forwarder_.enabled()) token_ = token;  // the backend checks actions with it
  for (const auto& channel : groups) core_.join(channel, 0);
  connected_ = true;
  std::string data;
  json::ObjectWriter(data).string("sid", core_.connection_id()).end();
  std::string out;
  eio::append_text_packet(out, eio::PacketType::kMessage);
  sio::append(out, sio::Packet{sio::PacketType::kConnect, 0, "/", false, 0, data});
  send(out);
}

void SocketIoSession::answer(const sio::Packet& event, const std::string& text) {
  answer(event.has_id, event.id, text);
}

void SocketIoSession::answer(bool has_id, uint64_t ack_id, const std::string& text) {
  send(has_id ? ack_packet(ack_id, text) : message_packet(text));
}

void SocketIoSession::handle_event(const sio::Packet& packet) {
  if (!connected_ || packet.nsp != "/") return;  // as the reference server: not connected, not heard
  std::string name = event_name(packet.data);
  if (name != "message") {
    if (packet.has_id) answer(packet, render_error({}, {}, "UNKNOWN_EVENT", "this server answers the message event"));
    return;
  }
  handle_request(packet);
}

void SocketIoSession::handle_request(const sio::Packet& packet) {
  Request request = parse_request(packet.data);
  uint64_t retry_after = 0;
  if (!rate_.try_take(context_.loop.now_ms(), retry_after)) {
    context_.metrics.count_error(429);
    answer(packet, render_error(request.request_id, request.action, "RATE_LIMITED", "too many messages", retry_after));
    return;
  }
  if (!request.ok) {
    context_.metrics.count_error(400);
    answer(packet, render_error(request.request_id, request.action, "INVALID_REQUEST", request.error));
    return;
  }
  features::actions::Result result;
  features::actions::Caller caller{core_.identity(), artifact_id_, now_ms()};
  if (!actions_.run(request.action, request.data, caller, result)) {
    if (forwarder_.enabled()) {
      forward(packet, request);
      return;
    }
    answer(packet, render_error(request.request_id, request.action, "ACTION_NOT_FOUND",
                                "no action named " + request.action.substr(0, 64)));
    return;
  }
  if (!result.ok) {
    answer(packet, render_error(request.request_id, request.action, result.error_code, result.error_message));
    return;
  }
  answer(packet, render_response(request.request_id, request.action, result.data));
}

void SocketIoSession::forward(const sio::Packet& packet, Request& request) {
  // Bounded per connection, and by the pool's queue for everyone together: a dead backend
  // costs its callers errors, never the server's memory.
  constexpr size_t kMaxQueuedCalls = 1024;
  if (actions_in_flight_ >= settings_.max_actions_in_flight) {
    answer(packet, render_error(request.request_id, request.action, "RATE_LIMITED",
                                "too many actions in progress on this connection", 1000));
    return;
  }
  const auth::Identity& identity = core_.identity();
  features::actions::ForwardedCall call{request.request_id, request.action, std::move(request.data),
                                        identity.user_id, identity.tenant, session_param_, artifact_id_, token_};
  std::weak_ptr<SocketIoSession*> weak = self_;
  transport::EventLoop& loop = context_.loop;
  const features::actions::ActionForwarder& forwarder = forwarder_;
  bool queued = action_pool_.try_submit(
      [weak, &loop, &forwarder, call = std::move(call), has_id = packet.has_id, ack_id = packet.id] {
        features::actions::Result result = forwarder.call(call);
        std::string text = result.ok ? render_response(call.request_id, call.action, result.data)
                                     : render_error(call.request_id, call.action, result.error_code,
                                                    result.error_message);
        loop.post([weak, text = std::move(text), has_id, ack_id] {
          auto self = weak.lock();
          if (!self || *self == nullptr) return;
          SocketIoSession* session = *self;
          --session->actions_in_flight_;
          session->answer(has_id, ack_id, text);
        });
      },
      kMaxQueuedCalls);
  if (!queued) {
    answer(packet, render_error(request.request_id, request.action, "RATE_LIMITED", "the server is busy", 1000));
    return;
  }
  ++actions_in_flight_;
}

void SocketIoSession::deliver(const hub::Publication& publication) {
  if (ws_ == nullptr || !connected_ || !core_.wants(publication)) return;
  const std::string& frame = text_frame(publication, encoding_slot_, [](const hub::Publication& p, std::string& out) {
    out += message_packet(render_update(p));
  });
  ws_->send_frames(frame);
}

void SocketIoSession::on_tick(ws::WebSocketConnection& ws, uint64_t) {
  uint64_t now = context_.loop.now_ms();
  if (awaiting_pong_ && now - last_ping_ms_ > settings_.ping_timeout_ms) {
    ws.close(ws::CloseCode::kGoingAway, "ping timeout");
    return;
  }
  if (!awaiting_pong_ && now - last_ping_ms_ >= settings_.ping_interval_ms) {
    last_ping_ms_ = now;
    awaiting_pong_ = true;
    send("2");
  }
  if (core_.token_expired(now_ms())) {
    send(message_packet(render_error({}, {}, "AUTH_EXPIRED", "the token has expired")));
    ws.close(ws::CloseCode::kPolicyViolation, "token expired");
  }
}

void SocketIoSession::on_disconnected(ws::WebSocketConnection&, uint16_t) {
  *self_ = nullptr;
  core_.close();
  ws_ = nullptr;
}

}  // namespace sb::dialects::socketio

#include "dialects/socketio/socketio_session.h"

#include <simdjson.h>

#include "dialects/socketio/recovery_offset.h"
#include "dialects/socketio/socketio_protocol.h"
#include "dialects/text_frame.h"
#include "hub/topic.h"
#include "json/json_writer.h"
#include "protocol/engineio/engineio_packet.h"

namespace sb::dialects::socketio {

namespace ws = protocol::websocket;
namespace eio = protocol::engineio;
namespace sio = protocol::socketio;

SocketIoSession::SocketIoSession(SessionContext& context, const SessionServices& services, SessionOrigin origin)
    : services_(services),
      engine_(context.loop, services.settings, std::move(origin.sid), origin.transport, *this),
      self_(std::make_shared<SocketIoSession*>(this)),
      core_(context, *this, std::move(origin.connection_id), "socketio"),
      rate_(services.settings.max_messages, services.settings.window_ms),
      session_param_(std::move(origin.session_param)),
      artifact_id_(std::move(origin.artifact_id)),
      limiter_key_(std::move(origin.limiter_key)) {
  core_.open(auth::anonymous_identity(), 0);
}

SocketIoSession::~SocketIoSession() {
  on_engine_closed();
}

void SocketIoSession::on_engine_message(std::string_view data) {
  context().metrics.messages_in.fetch_add(1, std::memory_order_relaxed);
  if (binary_) {
    // Text where an attachment was due: the binary packet is abandoned.
    binary_.reset();
    send_message(render_error({}, {}, "INVALID_PACKET", "an attachment of a binary packet is missing"));
  }
  handle_socket_packet(data, {});
}

void SocketIoSession::on_engine_binary(std::string_view bytes) {
  context().metrics.messages_in.fetch_add(1, std::memory_order_relaxed);
  if (!connected_) {
    // Nothing is kept for a client that has not signed in.
    refuse_packet("INVALID_PACKET", "binary data before CONNECT");
    return;
  }
  if (!binary_) {
    send_message(render_error({}, {}, "INVALID_PACKET", "a binary message that no packet announced"));
    return;
  }
  binary_->bytes += bytes.size();
  if (binary_->bytes > context().limits.max_message_size) {
    binary_.reset();
    refuse_packet("MESSAGE_TOO_LARGE", "a packet and its attachments may hold at most " +
                                           std::to_string(context().limits.max_message_size) + " bytes");
    return;
  }
  binary_->attachments.emplace_back(bytes);
  if (binary_->attachments.size() < binary_->expected) return;
  std::unique_ptr<BinaryPacket> complete = std::move(binary_);
  handle_socket_packet(complete->text, std::move(complete->attachments));
}

void SocketIoSession::on_engine_invalid(std::string_view why) {
  send_message(render_error({}, {}, "INVALID_PACKET", std::string("not an Engine.IO packet: ") + std::string(why)));
}

void SocketIoSession::handle_socket_packet(std::string_view text, std::vector<std::string> attachments) {
  sio::Packet packet;
  sio::ParseStatus status = sio::parse(text, packet);
  if (status != sio::ParseStatus::kOk) {
    if (!connected_) {
      connect_error("/", std::string("invalid packet: ") + std::string(sio::to_string(status)));
    } else {
      send_message(render_error({}, {}, "INVALID_PACKET", sio::to_string(status)));
    }
    return;
  }
  bool binary = packet.type == sio::PacketType::kBinaryEvent || packet.type == sio::PacketType::kBinaryAck;
  if (binary && attachments.size() < packet.attachments) {
    if (!connected_) {
      refuse_packet("INVALID_PACKET", "binary data before CONNECT");
      return;
    }
    // The header of a binary packet: its attachments follow as binary messages, and count
    // with it against the message size limit.
    binary_ = std::make_unique<BinaryPacket>();
    binary_->text = text;
    binary_->expected = packet.attachments;
    binary_->bytes = text.size();
    return;
  }
  switch (packet.type) {
    case sio::PacketType::kConnect:
      handle_connect(packet);
      return;
    case sio::PacketType::kDisconnect:
      if (packet.nsp == "/") engine_.close();
      return;
    case sio::PacketType::kEvent:
    case sio::PacketType::kBinaryEvent:
      handle_event(packet, attachments);
      return;
    case sio::PacketType::kAck:
    case sio::PacketType::kBinaryAck:
    case sio::PacketType::kConnectError:
      return;  // the server asks no acks; CONNECT_ERROR is the server's to send
  }
}

void SocketIoSession::refuse_packet(std::string_view code, std::string_view why) {
  context().metrics.count_error(code == "MESSAGE_TOO_LARGE" ? 413 : 400);
  if (connected_) {
    send_message(render_error({}, {}, code, why));
  } else {
    connect_error("/", why);
  }
  engine_.close();
}

void SocketIoSession::connect_error(std::string_view nsp, std::string_view message) {
  std::string data;
  json::ObjectWriter(data).string("message", message).end();
  std::string out;
  eio::append_text_packet(out, eio::PacketType::kMessage);
  sio::append(out, sio::Packet{sio::PacketType::kConnectError, 0, nsp, false, 0, data});
  engine_.send(out);
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
  auto identity = auth::make_identity();
  auth::JwtStatus status = context().jwt.verify(token, static_cast<int64_t>(now_ms() / 1000), *identity);
  if (status != auth::JwtStatus::kOk) {
    connect_error("/", std::string("Authentication failed: ") + std::string(auth::to_string(status)));
    return;
  }
  if (!identity->session_id().empty() && identity->session_id() != session_param_) {
    connect_error("/", "The sessionId does not match the token's session");
    return;
  }
  // The company's and the artifact's updates: channels of the core, under the policy, checked
  // before anything changes.
  std::vector<std::string> groups;
  if (!identity->tenant().empty()) {
    groups.push_back("company:" + identity->tenant());
    if (!artifact_id_.empty()) groups.push_back(groups.front() + ":artifact:" + artifact_id_);
  }
  for (const auto& channel : groups) {
    if (!hub::is_valid_channel(channel) ||
        context().policy.can_subscribe(*identity, channel) != auth::Decision::kAllow) {
      connect_error("/", "Not allowed to receive the updates of " + channel);
      return;
    }
  }
  // What a reconnecting client sends for connection state recovery (read now: the parsed
  // packet is gone when a cluster gives its verdict on the connection limit).
  RecoveryAuth recovery;
  std::string_view text;
  if (auth_object["pid"].get_string().get(text) == simdjson::SUCCESS) recovery.pid = text;
  if (auth_object["offset"].get_string().get(text) == simdjson::SUCCESS) recovery.offset = text;
  std::string kept_token = services_.forwarder.enabled() ? std::string(token) : std::string();
  std::vector<std::string> left;
  bool admitted = core_.set_identity(
      identity, services_.settings.max_connections_per_user, left,
      [this, groups = std::move(groups), recovery = std::move(recovery),
       kept_token = std::move(kept_token)](bool within_limit) mutable {
        if (!within_limit) {  // the user's other connections are on other nodes
          connect_error("/", "Too many connections for this user");
          engine_.close();
          return;
        }
        token_ = std::move(kept_token);  // the backend checks actions with it
        connect_groups(std::move(groups), std::move(recovery));
      });
  if (!admitted) connect_error("/", "Too many connections for this user");
}

void SocketIoSession::connect_groups(std::vector<std::string> groups, RecoveryAuth auth) {
  for (const auto& channel : groups) core_.join(channel, 0);
  connected_ = true;
  bool offer = services_.settings.connection_state_recovery && !groups.empty();
  for (const auto& channel : groups) offer = offer && context().policy.retention(channel).keeps_history();
  if (!offer) {
    send_connect({});
    return;
  }
  // A reconnecting client sends the pid it was given and the offset of the last event it
  // received; with no event received, the pid's own positions stand for it. A malformed
  // offset is not replaced by the pid's (older) positions: that would replay twice.
  std::vector<hub::StreamPosition> since;
  bool resuming = false;
  if (auth.pid) {
    resuming = auth.offset ? parse_positions(*auth.offset, groups.size(), since)
                           : pid_positions(*auth.pid, groups.size(), since);
  }
  std::vector<SessionCore::FollowRequest> requests;
  for (size_t i = 0; i < groups.size(); ++i) {
    requests.push_back({groups[i], resuming ? std::optional<hub::StreamPosition>(since[i]) : std::nullopt});
  }
  core_.follow(std::move(requests), [this, groups = std::move(groups), since = std::move(since),
                                     client_pid = resuming ? *auth.pid : std::string()](
                                        const std::vector<StreamState>& states) {
    auto recovery = std::make_unique<Recovery>();
    bool recovered = !client_pid.empty();
    bool keeps_history = true;
    for (size_t i = 0; i < states.size(); ++i) {
      // A channel being replayed starts where the client stands, so that every replayed
      // event's offset names, for the other channels too, what the client really has.
      recovery->positions.push_back(states[i].recovered ? since[i] : states[i].position);
      recovered = recovered && states[i].recovered;
      keeps_history = keeps_history && states[i].keeps_history && !states[i].position.epoch.empty();
    }
    if (!keeps_history) {
      send_connect({});  // the history is not reachable now: nothing to offer
      return;
    }
    recovery->channels = groups;
    recovery->pid = recovered ? client_pid : new_pid(recovery->positions);
    recovery->tail = message_tail(format_positions(recovery->positions));
    for (const auto& position : recovery->positions) {
      recovery->plain_epochs = recovery->plain_epochs && is_plain_epoch(position.epoch);
    }
    recovery_ = std::move(recovery);
    send_connect(recovery_->pid);
  });
}

void SocketIoSession::send_connect(std::string_view pid) {
  std::string data;
  json::ObjectWriter writer(data);
  writer.string("sid", core_.connection_id());
  if (!pid.empty()) writer.string("pid", pid);
  writer.end();
  std::string out;
  eio::append_text_packet(out, eio::PacketType::kMessage);
  sio::append(out, sio::Packet{sio::PacketType::kConnect, 0, "/", false, 0, data});
  engine_.send(out);
}

void SocketIoSession::send_message(std::string_view text) {
  if (!recovery_) {
    engine_.send(message_packet(text));
    return;
  }
  engine_.send(message_head(text) + recovery_->tail);
}

void SocketIoSession::answer(const sio::Packet& event, const std::string& text) {
  answer(event.has_id, event.id, text);
}

void SocketIoSession::answer(bool has_id, uint64_t ack_id, const std::string& text) {
  if (has_id) {
    engine_.send(ack_packet(ack_id, text));  // acks carry no offset: the client reads none there
    return;
  }
  send_message(text);
}

void SocketIoSession::answer_binary(bool has_id, uint64_t ack_id, const std::string& object,
                                    const std::vector<std::string>& parts) {
  std::string out;
  eio::append_text_packet(out, eio::PacketType::kMessage);
  auto count = static_cast<uint32_t>(parts.size());
  if (has_id) {
    sio::append(out, sio::Packet{sio::PacketType::kBinaryAck, count, "/", true, ack_id, "[" + object + "]"});
  } else {
    sio::append(out, sio::Packet{sio::PacketType::kBinaryEvent, count, "/", false, 0, "[\"message\"," + object + "]"});
  }
  engine_.send(out);
  for (const std::string& part : parts) engine_.send_binary(part);
}

void SocketIoSession::handle_event(const sio::Packet& packet, std::vector<std::string>& attachments) {
  if (!connected_ || packet.nsp != "/") return;  // as the reference server: not connected, not heard
  std::string name = event_name(packet.data);
  if (name != "message") {
    if (packet.has_id) answer(packet, render_error({}, {}, "UNKNOWN_EVENT", "this server answers the message event"));
    return;
  }
  handle_request(packet, attachments);
}

void SocketIoSession::handle_request(const sio::Packet& packet, std::vector<std::string>& attachments) {
  Request request = parse_request(packet.data);
  uint64_t retry_after = 0;
  if (!rate_.try_take(context().loop.now_ms(), retry_after)) {
    context().metrics.count_error(429);
    answer(packet, render_error(request.request_id, request.action, "RATE_LIMITED", "too many messages", retry_after));
    return;
  }
  if (!request.ok) {
    context().metrics.count_error(400);
    answer(packet, render_error(request.request_id, request.action, "INVALID_REQUEST", request.error));
    return;
  }
  features::actions::Result result;
  features::actions::Caller caller{core_.identity(), artifact_id_, now_ms(), attachments};
  if (!services_.actions.run(request.action, request.data, caller, result)) {
    if (services_.forwarder.enabled()) {
      forward(packet, request, attachments);
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
  if (!result.attachments.empty()) {
    answer_binary(packet.has_id, packet.id, render_response(request.request_id, request.action, result.data),
                  result.attachments);
    return;
  }
  answer(packet, render_response(request.request_id, request.action, result.data));
}

void SocketIoSession::forward(const sio::Packet& packet, Request& request, std::vector<std::string>& attachments) {
  // Bounded per connection, and by the pool's queue for everyone together: a dead backend
  // costs its callers errors, never the server's memory.
  constexpr size_t kMaxQueuedCalls = 1024;
  if (actions_in_flight_ >= services_.settings.max_actions_in_flight) {
    answer(packet, render_error(request.request_id, request.action, "RATE_LIMITED",
                                "too many actions in progress on this connection", 1000));
    return;
  }
  const auth::Identity& identity = core_.identity();
  features::actions::ForwardedCall call{request.request_id, request.action, std::move(request.data),
                                        identity.user_id, identity.tenant(), session_param_, artifact_id_, token_,
                                        std::move(attachments)};
  std::weak_ptr<SocketIoSession*> weak = self_;
  transport::EventLoop& loop = context().loop;
  const features::actions::ActionForwarder& forwarder = services_.forwarder;
  bool queued = services_.action_pool.try_submit(
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
  if (!connected_) return;
  if (core_.disconnect_ordered(publication)) {
    send_message(render_error({}, {}, "DISCONNECTED", SessionCore::disconnect_reason(publication)));
    // Closed on the next turn: closing leaves the hub, which must not change its
    // subscriptions while it hands this publication to the user's other connections.
    std::weak_ptr<SocketIoSession*> weak = self_;
    context().loop.post([weak] {
      auto self = weak.lock();
      if (self && *self != nullptr) (*self)->engine_.close();
    });
    return;
  }
  if (!core_.wants(publication)) return;
  if (recovery_) {
    deliver_with_offset(publication);
    return;
  }
  if (ws::WebSocketConnection* ws = engine_.websocket()) {
    // Encoded once per publication for every WebSocket subscriber of this loop.
    send_publication(*ws, publication, services_.encoding_slot, [](const hub::Publication& p, std::string& out) {
      out += message_packet(render_update(p));
    });
    return;
  }
  engine_.send(message_packet(render_update(publication)));
}

void SocketIoSession::deliver_with_offset(const hub::Publication& publication) {
  Recovery& recovery = *recovery_;
  if (publication.offset != 0) {
    for (size_t i = 0; i < recovery.channels.size(); ++i) {
      if (recovery.channels[i] != publication.channel) continue;
      recovery.positions[i].offset = publication.offset;
      if (recovery.positions[i].epoch != publication.epoch) {  // rare: a stream restarted
        recovery.positions[i].epoch = publication.epoch;
        recovery.plain_epochs = true;
        for (const auto& position : recovery.positions) {
          recovery.plain_epochs = recovery.plain_epochs && is_plain_epoch(position.epoch);
        }
      }
      if (recovery.plain_epochs) {
        // The tail `,"<positions>"]` rebuilt in place (this runs per delivery): nothing in
        // it needs escaping.
        recovery.tail.assign(",\"");
        append_positions(recovery.tail, recovery.positions);
        recovery.tail.append("\"]");
      } else {
        recovery.tail = message_tail(format_positions(recovery.positions));
      }
      break;
    }
  }
  // The body is rendered once per publication for every recovering session; only the
  // offset after it is this session's.
  const std::string& head = publication.encoded(services_.recovery_encoding_slot,
                                                [](const hub::Publication& p, std::string& out) {
                                                  out = message_head(render_update(p));
                                                });
  if (ws::WebSocketConnection* ws = engine_.websocket()) {
    ws->send_text_parts(head, recovery.tail);
    return;
  }
  engine_.send(head + recovery.tail);
}

void SocketIoSession::tick(uint64_t now_ms) {
  engine_.tick(now_ms);
  if (engine_.closed()) return;
  if (core_.token_expired(this->now_ms())) {
    send_message(render_error({}, {}, "AUTH_EXPIRED", "the token has expired"));
    engine_.close();
  }
}

void SocketIoSession::on_engine_closed() {
  *self_ = nullptr;
  connected_ = false;
  core_.close();
  if (!limiter_key_.empty()) {
    // The address may open another session at once, not only once this one is freed.
    context().limiter.release(limiter_key_);
    limiter_key_.clear();
  }
}

}  // namespace sb::dialects::socketio

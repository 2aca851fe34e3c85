#include "dialects/socketio/engine_forwarding.h"

#include "dialects/socketio/session_id.h"
#include "dialects/socketio/socketio_protocol.h"

namespace sb::dialects::socketio {

namespace ws = protocol::websocket;
namespace http = protocol::http;
namespace eio = protocol::engineio;

namespace {
constexpr std::string_view kService = "eio";

bool from_front(RelayKind kind) {
  return kind != RelayKind::kAnswer && kind != RelayKind::kSocketSend && kind != RelayKind::kSocketEnd;
}
}  // namespace

// --- the front's WebSocket -------------------------------------------------------------

// A WebSocket on this node whose Engine.IO session is on another node: what the client
// sends goes to the owner, what the owner sends comes out here.
class EngineForwarding::FrontSocket final : public ws::WebSocketHandler {
 public:
  FrontSocket(EngineForwarding& forwarding, size_t loop, std::string owner, std::string sid)
      : forwarding_(forwarding), loop_(loop), owner_(std::move(owner)), sid_(std::move(sid)) {}
  ~FrontSocket() override { unregister(); }

  void on_open(ws::WebSocketConnection& ws) override {
    ws_ = &ws;
    ref_ = forwarding_.next_ref(loop_);
    forwarding_.loops_[loop_].sockets.emplace(ref_, this);
    forwarding_.send(owner_, RelayMessage{RelayKind::kSocketOpen, sid_, ref_, false, 0, {}, {}});
  }
  void on_message(ws::WebSocketConnection&, ws::Opcode opcode, std::string_view data) override {
    if (ended_) return;
    forwarding_.send(owner_,
                     RelayMessage{RelayKind::kSocketFrame, sid_, ref_, opcode == ws::Opcode::kBinary, 0, {}, data});
  }
  void on_disconnected(ws::WebSocketConnection&, uint16_t) override {
    ws_ = nullptr;
    unregister();
    if (!ended_) forwarding_.send(owner_, RelayMessage{RelayKind::kSocketGone, sid_, ref_, false, 0, {}, {}});
    ended_ = true;
  }

  // The owner's frames and its close.
  void write(bool binary, std::string_view data) {
    if (ws_ != nullptr && !ended_) ws_->send_message(binary ? ws::Opcode::kBinary : ws::Opcode::kText, data);
  }
  void end() {
    ended_ = true;
    if (ws_ != nullptr) ws_->close(ws::CloseCode::kNormal, {});
  }

 private:
  void unregister() {
    if (ref_.empty()) return;
    forwarding_.loops_[loop_].sockets.erase(ref_);
    ref_.clear();
  }

  EngineForwarding& forwarding_;
  size_t loop_;
  std::string owner_;
  std::string sid_;
  std::string ref_;
  ws::WebSocketConnection* ws_ = nullptr;
  bool ended_ = false;  // the owner closed it, or the client did
};

// --- the owner's wire ------------------------------------------------------------------

// The owner's side of a WebSocket that another node holds: an Engine.IO wire whose writes
// travel to the front.
class EngineForwarding::RelayedWire final : public EngineWire {
 public:
  RelayedWire(EngineForwarding& forwarding, EngineSocket* socket, std::string front, std::string ref)
      : EngineWire(socket), forwarding_(forwarding), front_(std::move(front)), ref_(std::move(ref)) {}

  bool send(ws::Opcode opcode, std::string_view data) override {
    if (finished_) return false;
    forwarding_.send(front_,
                     RelayMessage{RelayKind::kSocketSend, {}, ref_, opcode == ws::Opcode::kBinary, 0, {}, data});
    return true;
  }
  void close() override {
    if (finished_) return;
    finished_ = true;
    forwarding_.send(front_, RelayMessage{RelayKind::kSocketEnd, {}, ref_, false, 0, {}, {}});
  }
  ws::WebSocketConnection* connection() const override { return nullptr; }

  // What the front relayed.
  void deliver(bool binary, std::string_view data) {
    if (socket_ != nullptr) socket_->wire_message(*this, binary ? ws::Opcode::kBinary : ws::Opcode::kText, data);
  }
  void gone() {
    finished_ = true;
    if (socket_ == nullptr) return;
    EngineSocket* socket = socket_;
    socket_ = nullptr;
    socket->wire_closed(*this);
  }
  // Neither side uses it any more: freed at the next sweep.
  bool done() const { return finished_ && socket_ == nullptr; }
  // The socket let go without closing it (the session was freed): the front is told.
  void release() {
    if (socket_ == nullptr && !finished_) close();
  }

 private:
  EngineForwarding& forwarding_;
  std::string front_;
  std::string ref_;
  bool finished_ = false;
};

// --- EngineForwarding ------------------------------------------------------------------

EngineForwarding::EngineForwarding(hub::Hub& hub, const config::SocketIoConfig& settings, size_t loops,
                                   FindSocket find)
    : hub_(hub), relay_(hub.relay()), settings_(settings), find_(std::move(find)), loops_(loops) {
  if (relay_ != nullptr) {
    relay_->on_receive(std::string(kService),
                       [this](std::string_view from, std::string_view body) { receive(from, body); });
  }
}

EngineForwarding::~EngineForwarding() = default;

std::optional<std::string> EngineForwarding::owner_elsewhere(std::string_view sid) const {
  if (relay_ == nullptr) return std::nullopt;
  auto parts = parse_session_id(sid);
  if (!parts || parts->node == hub_.node_id()) return std::nullopt;
  return std::string(parts->node);
}

std::string EngineForwarding::next_ref(size_t loop) {
  return std::to_string(loop) + "." + std::to_string(++loops_[loop].counter);
}

void EngineForwarding::send(std::string_view node, const RelayMessage& message) {
  relay_->send(node, kService, encode_relay_message(message));
}

void EngineForwarding::forward_http(size_t loop, uint64_t now_ms, const std::string& owner, std::string_view sid,
                                    const http::HttpRequest& request, HttpReply reply) {
  bool poll = request.method == "GET";
  if (!poll && request.method != "POST") {
    reply.send(engine_error_response(eio::RequestError::kBadRequest));
    return;
  }
  std::string ref = next_ref(loop);
  // The owner answers a held GET by its next ping at the latest, a POST at once.
  uint64_t wait_ms = poll ? settings_.ping_interval_ms + settings_.ping_timeout_ms : settings_.ping_timeout_ms;
  send(owner, RelayMessage{poll ? RelayKind::kPoll : RelayKind::kPost, sid, ref, false, 0, {},
                           poll ? std::string_view() : std::string_view(request.body)});
  loops_[loop].pending.emplace(std::move(ref),
                               PendingRequest{std::move(reply), now_ms + wait_ms, owner, std::string(sid), poll});
}

std::unique_ptr<ws::WebSocketHandler> EngineForwarding::forward_websocket(size_t loop, std::string owner,
                                                                          std::string sid) {
  return std::make_unique<FrontSocket>(*this, loop, std::move(owner), std::move(sid));
}

HttpReply EngineForwarding::remote_reply(std::string front, std::string ref) {
  HttpReply reply;
  reply.send = [this, front = std::move(front), ref = std::move(ref)](http::HttpResponse response) {
    send(front, RelayMessage{RelayKind::kAnswer, {}, ref, false, response.status, response.content_type,
                             response.body});
  };
  // The front tells when its client left (kPollGone); until then the answer is awaited.
  reply.connected = [] { return true; };
  return reply;
}

void EngineForwarding::receive(std::string_view from, std::string_view body) {
  RelayMessage message;
  if (!decode_relay_message(body, message)) return;
  size_t loop = 0;
  if (from_front(message.kind)) {
    // The sid's loop when it names one here; anything else is answered "unknown" by loop 0.
    auto parts = parse_session_id(message.sid);
    if (parts && parts->loop < loops_.size()) loop = parts->loop;
  } else {
    auto ref_loop = parse_loop_prefix(message.ref);
    if (!ref_loop || *ref_loop >= loops_.size()) return;
    loop = *ref_loop;
  }
  hub_.run_on(loop, [this, loop, from = std::string(from), text = std::string(body)] {
    RelayMessage m;
    if (!decode_relay_message(text, m)) return;
    if (from_front(m.kind)) {
      serve_owner(loop, from, m);
    } else {
      serve_front(loop, m);
    }
  });
}

void EngineForwarding::serve_owner(size_t loop, const std::string& from, const RelayMessage& m) {
  auto& wires = loops_[loop].wires;
  std::string wire_key = from + "/" + std::string(m.ref);
  EngineSocket* socket = find_(loop, m.sid);
  switch (m.kind) {
    case RelayKind::kPoll:
    case RelayKind::kPost: {
      HttpReply reply = remote_reply(from, std::string(m.ref));
      if (socket == nullptr) {
        reply.send(engine_error_response(eio::RequestError::kUnknownSid));
      } else if (m.kind == RelayKind::kPoll) {
        socket->poll(std::move(reply));
      } else {
        socket->receive_payload(m.body, std::move(reply));
      }
      return;
    }
    case RelayKind::kPollGone:
      // As on this node: what a lost poll carried cannot reach the client, so the session ends.
      if (socket != nullptr) socket->close();
      return;
    case RelayKind::kSocketOpen: {
      if (socket == nullptr || !socket->can_take_websocket() || wires.contains(wire_key)) {
        send(from, RelayMessage{RelayKind::kSocketEnd, {}, m.ref, false, 0, {}, {}});
        return;
      }
      auto wire = std::make_unique<RelayedWire>(*this, socket, from, std::string(m.ref));
      socket->take_relayed_websocket(*wire);
      wires.emplace(std::move(wire_key), std::move(wire));
      return;
    }
    case RelayKind::kSocketFrame: {
      auto it = wires.find(wire_key);
      if (it != wires.end()) it->second->deliver(m.binary, m.body);
      return;
    }
    case RelayKind::kSocketGone: {
      auto it = wires.find(wire_key);
      if (it != wires.end()) it->second->gone();
      return;
    }
    case RelayKind::kAnswer:
    case RelayKind::kSocketSend:
    case RelayKind::kSocketEnd:
      return;
  }
}

void EngineForwarding::serve_front(size_t loop, const RelayMessage& m) {
  auto& state = loops_[loop];
  std::string ref(m.ref);
  switch (m.kind) {
    case RelayKind::kAnswer: {
      auto it = state.pending.find(ref);
      if (it == state.pending.end()) return;
      PendingRequest pending = std::move(it->second);
      state.pending.erase(it);
      if (!pending.reply.connected()) {
        // The client left before its answer came: what it carried is lost, as the owner
        // must hear (a local poll would end the session the same way).
        if (pending.poll) send(pending.owner, RelayMessage{RelayKind::kPollGone, pending.sid, ref, false, 0, {}, {}});
        return;
      }
      http::HttpResponse response;
      response.status = m.status;
      response.content_type = std::string(m.content_type);
      response.body = std::string(m.body);
      pending.reply.send(std::move(response));
      return;
    }
    case RelayKind::kSocketSend: {
      auto it = state.sockets.find(ref);
      if (it != state.sockets.end()) it->second->write(m.binary, m.body);
      return;
    }
    case RelayKind::kSocketEnd: {
      auto it = state.sockets.find(ref);
      if (it != state.sockets.end()) it->second->end();
      return;
    }
    default:
      return;
  }
}

void EngineForwarding::sweep(size_t loop, uint64_t now_ms) {
  if (relay_ == nullptr) return;
  auto& state = loops_[loop];
  for (auto it = state.pending.begin(); it != state.pending.end();) {
    PendingRequest& pending = it->second;
    if (pending.poll && !pending.reply.connected()) {
      send(pending.owner, RelayMessage{RelayKind::kPollGone, pending.sid, it->first, false, 0, {}, {}});
      it = state.pending.erase(it);
    } else if (now_ms > pending.deadline_ms) {
      // No answer: the owner is gone, and with it the session; the client starts a new one.
      pending.reply.send(engine_error_response(eio::RequestError::kUnknownSid));
      it = state.pending.erase(it);
    } else {
      ++it;
    }
  }
  for (auto it = state.wires.begin(); it != state.wires.end();) {
    it->second->release();
    it = it->second->done() ? state.wires.erase(it) : std::next(it);
  }
}

void EngineForwarding::shutdown(size_t loop) {
  auto& state = loops_[loop];
  state.pending.clear();
  state.wires.clear();
}

}  // namespace sb::dialects::socketio

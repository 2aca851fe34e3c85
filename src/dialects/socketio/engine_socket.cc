#include "dialects/socketio/engine_socket.h"

#include "dialects/socketio/socketio_protocol.h"
#include "protocol/engineio/engineio_packet.h"

namespace sb::dialects::socketio {

namespace ws = protocol::websocket;
namespace eio = protocol::engineio;
namespace http = protocol::http;

namespace {
// A polling client that stops fetching cannot make the server hold more than this for it.
constexpr size_t kMaxQueuedBytes = 8 * 1024 * 1024;
// Packets in one POST; each is handled like a WebSocket message, rate limits included.
constexpr size_t kMaxPacketsPerPayload = 1024;
// A probe that does not finish its upgrade in this time is dropped (the reference's default).
constexpr uint64_t kUpgradeTimeoutMs = 10000;
}  // namespace

// --- EngineWebSocket -------------------------------------------------------------------

void EngineWebSocket::on_open(ws::WebSocketConnection& ws) {
  ws_ = &ws;
  if (socket_ == nullptr) {
    // Its session ended between the upgrade's checks and now.
    ws.close(ws::CloseCode::kNormal, {});
    return;
  }
  socket_->wire_opened(*this);
}

void EngineWebSocket::on_message(ws::WebSocketConnection&, ws::Opcode opcode, std::string_view data) {
  if (socket_ != nullptr) socket_->wire_message(*this, opcode, data);
}

void EngineWebSocket::on_disconnected(ws::WebSocketConnection&, uint16_t) {
  ws_ = nullptr;
  if (socket_ != nullptr) {
    EngineSocket* socket = socket_;
    socket_ = nullptr;
    socket->wire_closed(*this);
  }
}

bool EngineWebSocket::send(ws::Opcode opcode, std::string_view data) {
  if (ws_ == nullptr) return false;
  ws_->send_message(opcode, data);
  return true;
}

void EngineWebSocket::close() {
  if (ws_ != nullptr) ws_->close(ws::CloseCode::kNormal, {});
}

// --- EngineSocket ----------------------------------------------------------------------

EngineSocket::EngineSocket(transport::EventLoop& loop, const config::SocketIoConfig& settings, std::string sid,
                           Transport transport, EngineListener& listener)
    : loop_(loop),
      settings_(settings),
      listener_(listener),
      sid_(std::move(sid)),
      last_ping_ms_(loop.now_ms()),
      transport_(transport) {}

EngineSocket::~EngineSocket() {
  // The WebSocket connections outlive the socket only by a turn; they must not call back.
  if (websocket_ != nullptr) websocket_->detach();
  if (probe_ != nullptr) probe_->detach();
}

std::string EngineSocket::open_packet() const {
  return socketio::open_packet(sid_, transport_ == Transport::kPolling, settings_.ping_interval_ms,
                               settings_.ping_timeout_ms, settings_.max_payload);
}

ws::WebSocketConnection* EngineSocket::websocket() const {
  return transport_ == Transport::kWebSocket && websocket_ != nullptr ? websocket_->connection() : nullptr;
}

void EngineSocket::send(std::string_view packet) { enqueue(packet, false); }

void EngineSocket::send_binary(std::string_view bytes) { enqueue(bytes, true); }

void EngineSocket::enqueue(std::string_view bytes, bool binary) {
  if (closed_) return;
  if (transport_ == Transport::kWebSocket && websocket_ != nullptr &&
      websocket_->send(binary ? ws::Opcode::kBinary : ws::Opcode::kText, bytes)) {
    return;
  }
  if (queued_bytes_ + bytes.size() > kMaxQueuedBytes) {
    // A slow consumer on polling, as on a WebSocket whose send buffer overflows.
    close();
    return;
  }
  queue_.push_back(Queued{std::string(bytes), binary});
  queued_bytes_ += bytes.size();
  answer_poll(false);
}

std::string EngineSocket::take_queue() {
  std::string payload;
  for (const Queued& packet : queue_) {
    if (!payload.empty()) payload += eio::kRecordSeparator;
    if (packet.binary) eio::append_base64_packet(payload, packet.bytes);
    else payload += packet.bytes;
  }
  queue_.clear();
  queued_bytes_ = 0;
  return payload;
}

void EngineSocket::answer_poll(bool noop) {
  if (!pending_poll_ || (!noop && queue_.empty())) return;
  HttpReply reply = std::move(*pending_poll_);
  pending_poll_.reset();
  if (!reply.connected()) {
    // The poll's connection is gone: what it would carry cannot reach the client, so the
    // session ends rather than lose messages silently.
    close();
    return;
  }
  std::string payload = take_queue();
  if (payload.empty() && noop) eio::append_text_packet(payload, eio::PacketType::kNoop);
  reply.send(polling_response(std::move(payload)));
}

void EngineSocket::poll(HttpReply reply) {
  if (closed_ || transport_ != Transport::kPolling) {
    reply.send(engine_error_response(eio::RequestError::kBadRequest));
    return;
  }
  if (pending_poll_) {
    // Two polls at once: the reference server refuses the second and closes the session.
    reply.send(engine_error_response(eio::RequestError::kBadRequest));
    close();
    return;
  }
  pending_poll_ = std::move(reply);
  // During an upgrade the poll is released at once, so the client can move on to "5".
  answer_poll(upgrading_);
}

void EngineSocket::receive_payload(std::string_view body, HttpReply reply) {
  if (closed_ || transport_ != Transport::kPolling) {
    reply.send(engine_error_response(eio::RequestError::kBadRequest));
    return;
  }
  if (body.size() > settings_.max_payload) {
    http::HttpResponse r;
    r.status = 413;
    r.content_type = "text/plain; charset=UTF-8";
    r.body = "payload too large";
    reply.send(std::move(r));
    close();
    return;
  }
  std::vector<std::string_view> packets;
  if (!eio::split_payload(body, kMaxPacketsPerPayload, packets)) {
    reply.send(engine_error_response(eio::RequestError::kBadRequest));
    return;
  }
  // The body lives in the request, which the answer releases: answered after the packets.
  for (std::string_view packet : packets) {
    if (closed_) break;
    handle_packet(packet);
  }
  http::HttpResponse ok;
  ok.content_type = "text/html";
  ok.body = "ok";
  reply.send(std::move(ok));
}

void EngineSocket::handle_packet(std::string_view text) {
  eio::Packet packet;
  std::string scratch;
  eio::ParseStatus status = eio::parse_text_packet(text, packet, scratch);
  if (status != eio::ParseStatus::kOk) {
    // The connection stays; the Socket.IO layer tells the client in its own format.
    listener_.on_engine_invalid(eio::to_string(status));
    return;
  }
  switch (packet.type) {
    case eio::PacketType::kPong:
      awaiting_pong_ = false;
      return;
    case eio::PacketType::kPing: {
      // Not the v4 heartbeat (the server pings), but answered.
      std::string pong;
      eio::append_text_packet(pong, eio::PacketType::kPong, packet.data);
      send(pong);
      return;
    }
    case eio::PacketType::kClose:
      close();
      return;
    case eio::PacketType::kMessage:
      if (packet.binary) listener_.on_engine_binary(packet.data);
      else listener_.on_engine_message(packet.data);
      return;
    case eio::PacketType::kOpen:
    case eio::PacketType::kUpgrade:
    case eio::PacketType::kNoop:
      return;
  }
}

bool EngineSocket::can_take_websocket() const {
  return !closed_ && transport_ == Transport::kPolling && probe_ == nullptr;
}

EngineWebSocket* EngineSocket::take_websocket() {
  auto* adapter = new EngineWebSocket(this);
  if (transport_ == Transport::kWebSocket) {
    websocket_ = adapter;
  } else {
    probe_ = adapter;
    probe_started_ms_ = loop_.now_ms();
  }
  return adapter;
}

void EngineSocket::take_relayed_websocket(EngineWire& wire) {
  probe_ = &wire;
  probe_started_ms_ = loop_.now_ms();
}

void EngineSocket::wire_opened(EngineWire& wire) {
  // A socket born on WebSocket is greeted at once; a probe waits for the client's "2probe".
  if (&wire == websocket_) wire.send(ws::Opcode::kText, open_packet());
}

void EngineSocket::wire_message(EngineWire& wire, ws::Opcode opcode, std::string_view data) {
  if (&wire == probe_) {
    if (opcode == ws::Opcode::kText) {
      probe_message(data);
    } else {
      drop_probe();
    }
    return;
  }
  if (&wire != websocket_ || closed_) return;
  if (opcode == ws::Opcode::kBinary) {
    listener_.on_engine_binary(data);
    return;
  }
  handle_packet(data);
}

void EngineSocket::probe_message(std::string_view text) {
  if (text == "2probe") {
    probe_->send(ws::Opcode::kText, "3probe");
    upgrading_ = true;
    answer_poll(true);
    return;
  }
  if (text == "5" && upgrading_) {
    // The switch: everything queued for polling goes out on the WebSocket, in order.
    transport_ = Transport::kWebSocket;
    websocket_ = probe_;
    probe_ = nullptr;
    upgrading_ = false;
    answer_poll(true);
    std::vector<Queued> queued;
    queued.swap(queue_);
    queued_bytes_ = 0;
    for (const Queued& packet : queued) enqueue(packet.bytes, packet.binary);
    return;
  }
  // Anything else on a probe: it is not an Engine.IO upgrade; polling goes on.
  drop_probe();
}

void EngineSocket::drop_probe() {
  if (probe_ == nullptr) return;
  EngineWire* probe = probe_;
  probe_ = nullptr;
  upgrading_ = false;
  probe->detach();
  probe->close();
}

void EngineSocket::wire_closed(EngineWire& wire) {
  if (&wire == probe_) {
    probe_ = nullptr;
    upgrading_ = false;
    return;
  }
  if (&wire == websocket_) {
    websocket_ = nullptr;
    close();
  }
}

void EngineSocket::close() {
  if (closed_) return;
  closed_ = true;
  if (transport_ == Transport::kPolling) {
    // A held poll carries what is queued and the close packet; without one, the next poll
    // learns that the session is gone from its 400.
    if (pending_poll_) {
      HttpReply reply = std::move(*pending_poll_);
      pending_poll_.reset();
      std::string payload = take_queue();
      if (!payload.empty()) payload += eio::kRecordSeparator;
      eio::append_text_packet(payload, eio::PacketType::kClose);
      reply.send(polling_response(std::move(payload)));
    }
  } else if (websocket_ != nullptr) {
    EngineWire* transport = websocket_;
    websocket_ = nullptr;
    transport->detach();
    transport->close();
  }
  queue_.clear();
  queued_bytes_ = 0;
  drop_probe();
  listener_.on_engine_closed();
}

void EngineSocket::tick(uint64_t now_ms) {
  if (closed_) return;
  if (awaiting_pong_ && now_ms - last_ping_ms_ > settings_.ping_timeout_ms) {
    close();
    return;
  }
  if (!awaiting_pong_ && now_ms - last_ping_ms_ >= settings_.ping_interval_ms) {
    last_ping_ms_ = now_ms;
    awaiting_pong_ = true;
    std::string ping;
    eio::append_text_packet(ping, eio::PacketType::kPing);
    send(ping);
    if (closed_) return;
  }
  if (probe_ != nullptr && now_ms - probe_started_ms_ > kUpgradeTimeoutMs) drop_probe();
  if (pending_poll_ && !pending_poll_->connected()) close();
}

}  // namespace sb::dialects::socketio

#include "protocol/websocket/websocket_connection.h"

#include <string>

#include "protocol/websocket/frame.h"

namespace sb::protocol::websocket {

namespace {
// Milliseconds from `then` (the low 32 bits of a loop time) to now_ms: right across the
// wrap of those bits, for spans under 49 days.
uint32_t elapsed_ms(uint64_t now_ms, uint32_t then) { return static_cast<uint32_t>(now_ms) - then; }
}  // namespace

WebSocketConnection::WebSocketConnection(transport::TcpConnection& tcp,
                                         std::unique_ptr<WebSocketHandler> handler,
                                         const ConnectionOptions& options)
    : tcp_(&tcp),
      handler_(std::move(handler)),
      reader_(options.max_message_size),
      keep_alive_(options.keep_alive),
      metrics_(options.metrics),
      last_heard_ms_(static_cast<uint32_t>(tcp.loop().now_ms())),
      last_ping_ms_(last_heard_ms_) {
  if (metrics_ != nullptr) metrics_->websockets_open.fetch_add(1, std::memory_order_relaxed);
  if (options.compression) {
    compression_ = std::make_unique<Compression>();
    compression_->params = options.deflate;
    compression_->threshold = options.compression_threshold;
    if (!options.deflate.client_no_context_takeover) compression_->inflater = std::make_unique<MessageInflater>(true);
    if (!options.deflate.server_no_context_takeover) {
      compression_->deflater = std::make_unique<MessageDeflater>(options.deflate.server_max_window_bits, true);
    }
    if (metrics_ != nullptr && (compression_->inflater || compression_->deflater)) {
      metrics_->deflate_contexts.fetch_add(1, std::memory_order_relaxed);
    }
    reader_.set_inflater(compression_->inflater ? compression_->inflater.get() : &MessageInflater::shared());
  }
  handler_->on_open(*this);
}

bool WebSocketConnection::compress(std::string_view payload, std::string& out) {
  if (compression_->deflater == nullptr) {
    return deflate_message(payload, compression_->params.server_max_window_bits, out) && out.size() < payload.size();
  }
  // With a context the message joins the client's window: it must be sent compressed,
  // whatever its size.
  bool ok = compression_->deflater->deflate(payload, out);
  count_context_memory();
  return ok;
}

void WebSocketConnection::count_context_memory() {
  if (metrics_ == nullptr) return;
  size_t bytes = (compression_->inflater ? compression_->inflater->memory_bytes() : 0) +
                 (compression_->deflater ? compression_->deflater->memory_bytes() : 0);
  if (bytes == compression_->counted_bytes) return;
  metrics_->deflate_context_bytes.fetch_add(bytes - compression_->counted_bytes, std::memory_order_relaxed);
  compression_->counted_bytes = bytes;
}

transport::SendStatus WebSocketConnection::send_own_compressed(std::string_view frame) {
  return send_message(static_cast<Opcode>(static_cast<uint8_t>(frame[0]) & 0x0F),
                      frame.substr(server_frame_header_size(frame)));
}

transport::SendStatus WebSocketConnection::send_message(Opcode opcode, std::string_view text) {
  if (!open()) return transport::SendStatus::kDropped;
  if (compression_ != nullptr && text.size() >= compression_->threshold) {
    thread_local std::string compressed;  // copied into the send buffer at once
    compressed.clear();
    if (compress(text, compressed)) {
      uint8_t header[kMaxServerHeader];
      size_t n = write_frame_header(header, opcode, compressed.size());
      header[0] |= 0x40;  // RSV1: a compressed message
      if (tcp_->send(header, n) == transport::SendStatus::kDropped) return transport::SendStatus::kDropped;
      return tcp_->send(compressed.data(), compressed.size());
    }
  }
  uint8_t header[kMaxServerHeader];
  size_t n = write_frame_header(header, opcode, text.size());
  if (tcp_->send(header, n) == transport::SendStatus::kDropped) return transport::SendStatus::kDropped;
  return tcp_->send(text.data(), text.size());
}

transport::SendStatus WebSocketConnection::send_text_parts(std::string_view head, std::string_view tail) {
  if (!open()) return transport::SendStatus::kDropped;
  if (compression_ != nullptr && head.size() + tail.size() >= compression_->threshold) {
    thread_local std::string joined;  // deflate wants the message in one piece
    joined.assign(head).append(tail);
    return send_message(Opcode::kText, joined);
  }
  uint8_t header[kMaxServerHeader];
  size_t n = write_frame_header(header, Opcode::kText, head.size() + tail.size());
  if (tcp_->send(header, n) == transport::SendStatus::kDropped) return transport::SendStatus::kDropped;
  if (tcp_->send(head.data(), head.size()) == transport::SendStatus::kDropped) return transport::SendStatus::kDropped;
  return tcp_->send(tail.data(), tail.size());
}

void WebSocketConnection::close(CloseCode code, std::string_view reason) {
  if (!open()) return;
  std::string frame;
  append_close_frame(frame, static_cast<uint16_t>(code), reason);
  tcp_->send(frame.data(), frame.size());
  close_sent_ = true;
  close_code_ = static_cast<uint16_t>(code);
  reader_.stop();
  tcp_->close_after_flush();
}

void WebSocketConnection::on_data(uint8_t* data, size_t length) {
  last_heard_ms_ = static_cast<uint32_t>(tcp_->loop().now_ms());
  ReadResult result = reader_.feed(data, length, *this);
  if (!result.ok) {
    if (metrics_ != nullptr) metrics_->count_error(static_cast<int>(result.code));
    close(result.code, result.reason);
  }
}

void WebSocketConnection::on_message(Opcode opcode, uint8_t* data, size_t length) {
  if (close_sent_) return;
  if (compression_ != nullptr && compression_->inflater != nullptr) count_context_memory();
  handler_->on_message(*this, opcode, std::string_view(reinterpret_cast<char*>(data), length));
}

void WebSocketConnection::on_ping(const uint8_t* data, size_t length) {
  if (!open()) return;
  uint8_t header[kMaxServerHeader];
  size_t n = write_frame_header(header, Opcode::kPong, length);
  tcp_->send(header, n);
  tcp_->send(data, length);
}

void WebSocketConnection::on_pong(const uint8_t*, size_t) {}

void WebSocketConnection::on_close_frame(uint16_t code, std::string_view) {
  if (close_sent_) {
    // The peer answered our Close: the handshake is complete.
    tcp_->close_after_flush();
    return;
  }
  // Echo the peer's status (1000 when it sent none), then release the socket.
  close(code == static_cast<uint16_t>(CloseCode::kNoStatus) ? CloseCode::kNormal : static_cast<CloseCode>(code), {});
  close_code_ = code;
}

void WebSocketConnection::on_sweep(uint64_t now_ms) {
  if (tcp_ == nullptr) return;
  tcp_->sweep(now_ms);
  if (tcp_ == nullptr || close_sent_) return;
  if (keep_alive_.timeout_ms != 0 && elapsed_ms(now_ms, last_heard_ms_) > keep_alive_.timeout_ms) {
    close(CloseCode::kGoingAway, close_reason::kPingTimeout);
    return;
  }
  if (keep_alive_.ping_interval_ms != 0 && elapsed_ms(now_ms, last_ping_ms_) >= keep_alive_.ping_interval_ms) {
    last_ping_ms_ = static_cast<uint32_t>(now_ms);
    uint8_t frame[2] = {0x80 | static_cast<uint8_t>(Opcode::kPing), 0};
    tcp_->send(frame, sizeof frame);
  }
  handler_->on_tick(*this, now_ms);
}

void WebSocketConnection::on_send_overflow() {
  if (tcp_ == nullptr || close_sent_) return;
  // The client cannot keep up: it is told why after what it has not read yet, and the
  // linger timer releases the socket if it never reads at all.
  if (metrics_ != nullptr) metrics_->count_error(static_cast<int>(CloseCode::kPolicyViolation));
  std::string frame;
  append_close_frame(frame, static_cast<uint16_t>(CloseCode::kPolicyViolation), close_reason::kSlowConsumer);
  tcp_->force_send(frame.data(), frame.size());
  close_sent_ = true;
  close_code_ = static_cast<uint16_t>(CloseCode::kPolicyViolation);
  reader_.stop();
  tcp_->close_after_flush();
}

void WebSocketConnection::on_shutdown() { close(CloseCode::kGoingAway, close_reason::kShutdown); }

void WebSocketConnection::on_closed() {
  transport::EventLoop& loop = tcp_->loop();
  tcp_ = nullptr;
  if (metrics_ != nullptr) {
    metrics_->websockets_open.fetch_sub(1, std::memory_order_relaxed);
    if (compression_ != nullptr && (compression_->inflater || compression_->deflater)) {
      metrics_->deflate_contexts.fetch_sub(1, std::memory_order_relaxed);
      metrics_->deflate_context_bytes.fetch_sub(compression_->counted_bytes, std::memory_order_relaxed);
      compression_->counted_bytes = 0;
    }
  }
  handler_->on_disconnected(*this, close_code_);
  // Callers up the stack (frame reader, dialect) may still touch this object in this turn.
  loop.defer([this] { delete this; });
}

}  // namespace sb::protocol::websocket

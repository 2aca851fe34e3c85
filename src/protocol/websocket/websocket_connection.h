#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <string_view>

#include "observability/metrics.h"
#include "protocol/websocket/close_code.h"
#include "protocol/websocket/frame_reader.h"
#include "protocol/websocket/permessage_deflate.h"
#include "transport/tcp_connection.h"

namespace sb::protocol::websocket {

class WebSocketConnection;

// The application side of one WebSocket connection (a dialect session).
class WebSocketHandler {
 public:
  virtual ~WebSocketHandler() = default;
  // The connection is open; ws stays valid until on_disconnected returns.
  virtual void on_open(WebSocketConnection& ws) = 0;
  // A complete text or binary message; data is valid only during the call.
  virtual void on_message(WebSocketConnection& ws, Opcode opcode, std::string_view data) = 0;
  // The connection is gone (close handshake, error, timeout or shutdown). Called once; the
  // handler must drop references held elsewhere (e.g. hub subscriptions) right here.
  virtual void on_disconnected(WebSocketConnection& ws, uint16_t code) = 0;
  // Called on every sweep tick while open.
  virtual void on_tick(WebSocketConnection& /*ws*/, uint64_t /*now_ms*/) {}
};

struct KeepAlive {
  uint32_t ping_interval_ms = 30000;  // 0 disables server pings
  uint32_t timeout_ms = 60000;        // silence longer than this closes the connection
};

// Per-connection settings shared by all connections of an endpoint.
struct ConnectionOptions {
  size_t max_message_size = 1024 * 1024;
  KeepAlive keep_alive;
  // The loop's metrics: open WebSocket connections, and close codes the server fails
  // connections with (1002, 1007, 1008, 1009). nullptr in tests that do not count.
  observability::LoopMetrics* metrics = nullptr;
  // permessage-deflate, when the handshake negotiated it: messages of at least
  // compression_threshold bytes are sent compressed.
  bool compression = false;
  DeflateParams deflate;
  size_t compression_threshold = 256;
};

// One server-side WebSocket connection after the upgrade: feeds bytes through the frame
// reader, answers pings, runs the close handshake and keep-alive, and hands messages to
// its handler. Owns the handler; frees itself after the transport closes.
class WebSocketConnection final : public transport::ConnectionHandler, private FrameSink {
 public:
  WebSocketConnection(transport::TcpConnection& tcp, std::unique_ptr<WebSocketHandler> handler,
                      const ConnectionOptions& options);

  // Sends one text message (one frame).
  transport::SendStatus send_text(std::string_view text) { return send_message(Opcode::kText, text); }
  // Sends one message of the given opcode (text or binary) in one frame.
  transport::SendStatus send_message(Opcode opcode, std::string_view payload);
  // Sends one text message whose payload is head followed by tail (a shared body and a
  // per-connection ending), without joining them first.
  transport::SendStatus send_text_parts(std::string_view head, std::string_view tail);
  // Sends bytes that already form complete frames, as they are.
  transport::SendStatus send_frames(std::string_view frames) {
    return open() ? tcp_->send(frames.data(), frames.size()) : transport::SendStatus::kDropped;
  }
  // Sends one whole message frame shared by many connections (a publication encoded once
  // for all). On a connection that compresses, compressed_frame() gives its compressed twin,
  // also built once for all (empty when compression does not pay); connections whose
  // negotiation rules the shared twin out compress their own copy.
  template <typename CompressedFrame>
  transport::SendStatus send_shared(std::string_view frame, CompressedFrame&& compressed_frame) {
    if (compression_ == nullptr || frame.size() < compression_->threshold) return send_frames(frame);
    if (compression_->shares_frames()) {
      const std::string& compressed = compressed_frame();
      return send_frames(compressed.empty() ? frame : std::string_view(compressed));
    }
    return send_own_compressed(frame);
  }
  // Starts the close handshake with code and reason; the socket is released after the
  // frame is written and the peer closes (or a short linger).
  void close(CloseCode code, std::string_view reason);
  bool open() const { return tcp_ != nullptr && !close_sent_; }

  // transport::ConnectionHandler
  void on_data(uint8_t* data, size_t length) override;
  void on_closed() override;
  void on_sweep(uint64_t now_ms) override;
  void on_shutdown() override;
  void on_send_overflow() override;

 private:
  // FrameSink
  void on_message(Opcode opcode, uint8_t* data, size_t length) override;
  void on_ping(const uint8_t* data, size_t length) override;
  void on_pong(const uint8_t* data, size_t length) override;
  void on_close_frame(uint16_t code, std::string_view reason) override;

  // What a connection that negotiated permessage-deflate keeps.
  struct Compression {
    DeflateParams params;
    size_t threshold;
    std::unique_ptr<MessageInflater> inflater;  // client context takeover (opted in) only
    std::unique_ptr<MessageDeflater> deflater;  // server context takeover (opted in) only
    size_t counted_bytes = 0;                   // of the two, as counted in the metrics
    bool shares_frames() const { return deflater == nullptr && params.server_max_window_bits == 15; }
  };
  // Compresses payload into out for this connection; false: send it uncompressed.
  bool compress(std::string_view payload, std::string& out);
  // A shared frame compressed for this connection alone (its window or context).
  transport::SendStatus send_own_compressed(std::string_view frame);
  // Keeps the metrics' count of per-connection context memory current.
  void count_context_memory();

  transport::TcpConnection* tcp_;
  std::unique_ptr<WebSocketHandler> handler_;
  FrameReader reader_;
  std::unique_ptr<Compression> compression_;  // null: no extension negotiated
  KeepAlive keep_alive_;
  observability::LoopMetrics* metrics_;
  // The low 32 bits of the loop's milliseconds (4 bytes each instead of 8 on every
  // connection); see elapsed_ms() in the .cc.
  uint32_t last_heard_ms_;
  uint32_t last_ping_ms_;
  uint16_t close_code_ = static_cast<uint16_t>(CloseCode::kAbnormal);
  bool close_sent_ = false;
};

}  // namespace sb::protocol::websocket

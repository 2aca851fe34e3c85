#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "transport/event_loop.h"
#include "transport/io_handler.h"
#include "transport/send_buffer.h"
#include "transport/tls_stream.h"

struct sockaddr_storage;

namespace sb::transport {

// Receives what happens on one TcpConnection. Implemented by the protocol layers above
// (an HTTP session, then a WebSocket connection after the upgrade).
class ConnectionHandler {
 public:
  // Bytes read from the socket. They live in the loop's receive buffer (mutable, so frames
  // can be unmasked in place) and are only valid during the call.
  virtual void on_data(uint8_t* data, size_t length) = 0;
  // The connection is closed (by the peer, an error or close()); called exactly once. The
  // handler must drop every reference to the connection and may delete itself.
  virtual void on_closed() = 0;
  // Called for each live connection on every sweep tick (idle timeouts, heartbeats).
  virtual void on_sweep(uint64_t /*now_ms*/) {}
  // The server is shutting down: finish politely (e.g. send a close frame).
  virtual void on_shutdown() {}
  // The send buffer overflowed (a slow consumer). Called at the end of the turn; the
  // handler may say goodbye with force_send() and close_after_flush(), otherwise the
  // connection is closed at once.
  virtual void on_send_overflow() {}

 protected:
  virtual ~ConnectionHandler() = default;
};

enum class SendStatus : uint8_t {
  kBuffered,  // queued; written before the loop sleeps
  kDropped,   // connection closed, closing, or over its send-buffer limit
};

// A non-blocking TCP socket on one EventLoop with a corked send buffer: send() only
// appends, and the loop writes each dirty connection once per turn. send() never runs
// callbacks, so it is safe to call while iterating subscriber lists.
//
// With a TlsStream the same holds over TLS: the handshake runs on readiness events, the
// handler sees only plaintext once it is complete, and each turn's buffer goes out in one
// SSL_write.
class TcpConnection final : public IoHandler {
 public:
  TcpConnection(EventLoop& loop, int fd, const sockaddr_storage& peer, size_t max_buffered_bytes);
  ~TcpConnection();
  TcpConnection(const TcpConnection&) = delete;
  TcpConnection& operator=(const TcpConnection&) = delete;

  // Makes the connection speak TLS through tls, before any byte is read. A stream still
  // handshaking is given the socket (false when OpenSSL cannot take it: close then); one
  // that finished on another loop keeps going.
  bool use_tls(std::unique_ptr<TlsStream> tls);
  // Registers with the loop; false if the fd could not be added (the fd is then closed).
  bool start();
  void set_handler(ConnectionHandler* handler) { handler_ = handler; }

  // Appends bytes to the send buffer. Over the limit the connection is closed as a slow
  // consumer at the end of the turn and kDropped is returned.
  SendStatus send(const void* data, size_t length);
  // Appends even past the limit (a final close frame after an overflow).
  void force_send(const void* data, size_t length);
  // Writes what is buffered, then half-closes; the socket is released when the peer closes
  // or after a short linger.
  void close_after_flush();
  // Closes now, dropping buffered output. Calls the handler's on_closed().
  void close();

  // What detach() hands over: the descriptor and, on a TLS connection, its session.
  struct Detached {
    int fd = -1;
    std::unique_ptr<TlsStream> tls;
  };
  // Leaves this loop without closing the socket, so that another loop can adopt it (a
  // request that belongs to state living there). Only with nothing buffered to send; the
  // handler is not called (it is the one handing over). The descriptor (and TLS session)
  // are now the caller's; fd is -1 when the connection is already closed.
  Detached detach();

  // Stops reading from the socket (backpressure): input waits in the kernel and the peer's
  // TCP window closes, so a connection whose request is still being answered cannot make
  // the server buffer what follows. resume_reading() undoes it.
  void pause_reading();
  void resume_reading();
  bool reading_paused() const { return read_paused_; }

  // Called by the loop: writes the buffer with one send().
  void flush();
  // The batched writer's half of flush() on a plain connection (UringWriter).
  // start_batched_write() takes the connection off the dirty list and says what to send
  // (false: nothing, or closed); finish_batched_write() takes the send's result, a byte
  // count or -errno, once every send of the batch has completed.
  struct PendingWrite {
    int fd = -1;
    const char* data = nullptr;
    size_t length = 0;
  };
  bool start_batched_write(PendingWrite& write);
  void finish_batched_write(int result);
  void on_io(uint32_t events) override;
  // Called by the owner's sweep: closes connections that lingered too long after close.
  void sweep(uint64_t now_ms);

  // An opaque byte for the owner's bookkeeping (e.g. whether a limiter slot is held).
  void set_tag(uint8_t tag) { tag_ = tag; }
  uint8_t tag() const { return tag_; }

  bool closed() const { return fd_ < 0; }
  // Whether the connection speaks TLS (https:// and wss://).
  bool secure() const { return tls_ != nullptr; }
  bool closing() const { return closing_; }
  size_t buffered_bytes() const { return out_.pending(); }
  EventLoop& loop() { return loop_; }
  ConnectionHandler* handler() const { return handler_; }
  // Stable key for per-IP accounting (address bytes).
  std::string peer_key() const;

 private:
  // Unregisters from the loop and frees the connection after the turn; returns the fd.
  int leave_loop();
  void update_interest();
  void apply_interest();
  void finish_close_after_flush();
  // Buffer bookkeeping after writing: releases a drained buffer, half-closes when closing.
  void after_write();
  void flush_tls();
  void on_tls_io(uint32_t events);
  // Runs the TLS handshake; true once it is complete and application data may flow.
  bool advance_tls_handshake();
  void read_tls();
  // Whether OpenSSL waits for writability (handshake or read): EPOLLOUT interest follows.
  void set_tls_wants_write(bool wants);
  // A plain HTTP request on a TLS port: answered 400 in plain text, then closed.
  void refuse_plain_http();

  // Laid out for size (104 bytes; every idle connection has one): pointers, then 32-bit
  // fields, then one-bit flags.
  EventLoop& loop_;
  ConnectionHandler* handler_ = nullptr;
  std::unique_ptr<TlsStream> tls_;  // null on plain connections
  SendBuffer out_;
  uint64_t linger_deadline_ms_ = 0;
  int fd_;
  uint32_t max_buffered_;
  uint32_t registry_index_ = 0;
  uint32_t last_drained_turn_ = 0;  // the loop turn in which out_ was last written out
  std::array<uint8_t, 16> peer_addr_{};
  uint8_t peer_family_ = 0;
  uint8_t tag_ = 0;
  bool in_dirty_list_ : 1 = false;
  bool batched_write_pending_ : 1 = false;  // a batched send reads out_: nothing else writes it
  bool want_write_ : 1 = false;
  bool read_paused_ : 1 = false;
  bool closing_ : 1 = false;
  bool write_shut_ : 1 = false;
  bool overflowed_ : 1 = false;
  bool tls_peeked_ : 1 = false;               // the first byte was checked to be a TLS record
  bool tls_wants_write_ : 1 = false;          // the handshake or a read waits for writability
  bool tls_write_waits_for_read_ : 1 = false;  // an SSL_write waits for readability
};

}  // namespace sb::transport

#pragma once
#include <cstddef>
#include <cstdint>

typedef struct ssl_st SSL;

namespace sb::transport {

struct TlsCounters;

// The TLS layer of one server connection: an OpenSSL session reading and writing the
// socket itself, driven by the connection's readiness events (never blocking, never a
// thread). TcpConnection holds one when its listener serves TLS.
class TlsStream {
 public:
  enum class Status : uint8_t {
    kOk,         // progress made
    kWantRead,   // wait until the socket is readable
    kWantWrite,  // wait until the socket is writable
    kClosed,     // the peer closed (with or without close_notify) or the session failed
  };

  // Takes ownership of ssl (from TlsContext::new_ssl). counters outlive the stream.
  TlsStream(SSL* ssl, TlsCounters& counters, uint64_t handshake_deadline_ms);
  ~TlsStream();
  TlsStream(const TlsStream&) = delete;
  TlsStream& operator=(const TlsStream&) = delete;

  // Binds the session to the socket; false when OpenSSL cannot.
  bool attach(int fd);

  bool handshaking() const { return handshaking_; }
  uint64_t handshake_deadline_ms() const { return handshake_deadline_ms_; }
  // Advances the server handshake; kOk once complete (counted, with resumption).
  Status handshake();
  // Decrypts at most one record into buffer (capacity should hold a full record,
  // kMaxRecord). kOk with read > 0, or why nothing could be read.
  Status read(uint8_t* buffer, size_t capacity, size_t& read);
  // Encrypts and sends data in one SSL_write. After kWantRead/kWantWrite the next call must
  // pass the same bytes again (more may follow them: only the first length is retried).
  Status write(const void* data, size_t length, size_t& written);
  // Sends close_notify, best effort (the socket is about to be half-closed).
  void shutdown();
  // Gives OpenSSL's read and write buffers back while the connection is idle: the read
  // that found no data left its 16 KB read buffer allocated. The next read allocates anew.
  void release_buffers();

  void count_handshake_timeout();
  void count_plain_http();

  // The largest plaintext of one TLS record.
  static constexpr size_t kMaxRecord = 16 * 1024;

 private:
  Status failure(int result);

  SSL* ssl_;
  TlsCounters* counters_;
  uint64_t handshake_deadline_ms_;
  size_t retry_length_ = 0;  // an SSL_write waiting to be retried with this length
  bool handshaking_ = true;
};

}  // namespace sb::transport

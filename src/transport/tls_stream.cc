#include "transport/tls_stream.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <climits>

#include "transport/tls_context.h"

namespace sb::transport {

TlsStream::TlsStream(SSL* ssl, TlsCounters& counters, uint64_t handshake_deadline_ms)
    : ssl_(ssl), counters_(&counters), handshake_deadline_ms_(handshake_deadline_ms) {
  SSL_set_accept_state(ssl_);
}

TlsStream::~TlsStream() { SSL_free(ssl_); }

bool TlsStream::attach(int fd) { return SSL_set_fd(ssl_, fd) == 1; }

TlsStream::Status TlsStream::failure(int result) {
  switch (SSL_get_error(ssl_, result)) {
    case SSL_ERROR_WANT_READ:
      return Status::kWantRead;
    case SSL_ERROR_WANT_WRITE:
      return Status::kWantWrite;
    default:
      // The error queue is per thread: leave it empty for the next connection's calls.
      ERR_clear_error();
      return Status::kClosed;
  }
}

TlsStream::Status TlsStream::handshake() {
  int result = SSL_do_handshake(ssl_);
  if (result == 1) {
    handshaking_ = false;
    counters_->handshakes.fetch_add(1, std::memory_order_relaxed);
    if (SSL_session_reused(ssl_) == 1) counters_->resumed.fetch_add(1, std::memory_order_relaxed);
    return Status::kOk;
  }
  Status status = failure(result);
  if (status == Status::kClosed) counters_->handshake_errors.fetch_add(1, std::memory_order_relaxed);
  return status;
}

TlsStream::Status TlsStream::read(uint8_t* buffer, size_t capacity, size_t& read) {
  read = 0;
  int result = SSL_read(ssl_, buffer, static_cast<int>(capacity > INT_MAX ? INT_MAX : capacity));
  if (result > 0) {
    read = static_cast<size_t>(result);
    return Status::kOk;
  }
  return failure(result);
}

TlsStream::Status TlsStream::write(const void* data, size_t length, size_t& written) {
  written = 0;
  if (retry_length_ != 0) length = retry_length_;
  // Without partial writes, one call sends every record of the buffer (or nothing yet).
  int capped = static_cast<int>(length > INT_MAX / 2 ? INT_MAX / 2 : length);
  int result = SSL_write(ssl_, data, capped);
  if (result > 0) {
    retry_length_ = 0;
    written = static_cast<size_t>(result);
    return Status::kOk;
  }
  Status status = failure(result);
  if (status != Status::kClosed) retry_length_ = static_cast<size_t>(capped);
  return status;
}

void TlsStream::shutdown() {
  if (handshaking_) return;
  if (SSL_shutdown(ssl_) < 0) ERR_clear_error();
}

void TlsStream::release_buffers() {
  if (!handshaking_) SSL_free_buffers(ssl_);  // refuses, harmlessly, while data is pending
}

void TlsStream::count_handshake_timeout() { counters_->handshake_timeouts.fetch_add(1, std::memory_order_relaxed); }

void TlsStream::count_plain_http() { counters_->plain_http.fetch_add(1, std::memory_order_relaxed); }

}  // namespace sb::transport

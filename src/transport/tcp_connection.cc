#include "transport/tcp_connection.h"

#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

namespace sb::transport {

namespace {
constexpr uint64_t kLingerMs = 2000;
constexpr uint8_t kTlsHandshakeRecord = 0x16;  // the first byte of every ClientHello
constexpr char kPlainHttpOnTlsPort[] =
    "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 49\r\nConnection: close\r\n\r\n"
    "This port speaks TLS: connect with https or wss.\n";
static_assert(std::string_view(kPlainHttpOnTlsPort).size() -
                      std::string_view(kPlainHttpOnTlsPort).find("\r\n\r\n") - 4 == 49,
              "Content-Length must match the body");
// A buffer this large after a burst is released once drained, so idle sockets stay small.
constexpr size_t kKeepCapacity = 16 * 1024;
// The most a connection may queue (the send buffer counts in 32 bits).
constexpr size_t kMaxBuffered = 1ULL << 31;
}  // namespace

TcpConnection::TcpConnection(EventLoop& loop, int fd, const sockaddr_storage& peer,
                             size_t max_buffered_bytes)
    : loop_(loop),
      fd_(fd),
      max_buffered_(static_cast<uint32_t>(max_buffered_bytes < kMaxBuffered ? max_buffered_bytes : kMaxBuffered)) {
  if (peer.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&peer);
    std::memcpy(peer_addr_.data(), &in->sin_addr, 4);
    peer_family_ = 4;
  } else if (peer.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&peer);
    std::memcpy(peer_addr_.data(), &in6->sin6_addr, 16);
    peer_family_ = 6;
  }
}

TcpConnection::~TcpConnection() {
  if (fd_ >= 0) ::close(fd_);
  loop_.connection_released(*this);
}

bool TcpConnection::use_tls(std::unique_ptr<TlsStream> tls) {
  tls_ = std::move(tls);
  return !tls_->handshaking() || tls_->attach(fd_);
}

bool TcpConnection::start() {
  if (!loop_.add(fd_, EPOLLIN | EPOLLRDHUP, this)) {
    ::close(fd_);
    fd_ = -1;
    return false;
  }
  auto& registry = loop_.connections();
  registry_index_ = static_cast<uint32_t>(registry.size());
  registry.push_back(this);
  return true;
}

std::string TcpConnection::peer_key() const {
  return std::string(reinterpret_cast<const char*>(peer_addr_.data()), peer_family_ == 4 ? 4 : 16);
}

SendStatus TcpConnection::send(const void* data, size_t length) {
  if (fd_ < 0 || closing_ || overflowed_) return SendStatus::kDropped;
  if (buffered_bytes() + length > max_buffered_) {
    // Slow consumer: closing here would run callbacks under the caller (often a fan-out
    // loop over subscribers), so the close happens at the end of the turn.
    overflowed_ = true;
    loop_.defer([this] {
      if (fd_ < 0) return;
      if (handler_ != nullptr) handler_->on_send_overflow();
      if (!closing_) close();
    });
    return SendStatus::kDropped;
  }
  out_.append(data, length);
  if (!in_dirty_list_) {
    in_dirty_list_ = true;
    loop_.mark_dirty(this);
  }
  return SendStatus::kBuffered;
}

void TcpConnection::force_send(const void* data, size_t length) {
  if (fd_ < 0) return;
  out_.append(data, length);
  if (!in_dirty_list_) {
    in_dirty_list_ = true;
    loop_.mark_dirty(this);
  }
}

void TcpConnection::flush() {
  if (batched_write_pending_) return;  // the batch's result consumes bytes first
  in_dirty_list_ = false;
  if (fd_ < 0) return;
  if (tls_ != nullptr) {
    flush_tls();
    return;
  }
  while (!out_.drained()) {
    ssize_t n = ::send(fd_, out_.pending_data(), out_.pending(), MSG_NOSIGNAL);
    if (n > 0) {
      out_.consume(static_cast<size_t>(n));
      loop_.count_bytes_out(static_cast<uint64_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    close();
    return;
  }
  after_write();
}

bool TcpConnection::start_batched_write(PendingWrite& write) {
  // A connection listed twice, or flushed directly since it was listed, is not dirty now.
  if (!in_dirty_list_ || fd_ < 0) return false;
  in_dirty_list_ = false;
  if (out_.drained()) {
    after_write();
    return false;
  }
  write = PendingWrite{fd_, out_.pending_data(), out_.pending()};
  batched_write_pending_ = true;
  return true;
}

void TcpConnection::finish_batched_write(int result) {
  batched_write_pending_ = false;
  if (fd_ < 0) return;
  if (result > 0) {
    out_.consume(static_cast<size_t>(result));
    loop_.count_bytes_out(static_cast<uint64_t>(result));
  } else if (result != -EAGAIN && result != -EINTR && result != 0) {
    close();
    return;
  }
  // Bytes appended while the batch completed go out in the writer's next round; what a full
  // socket refused waits for EPOLLOUT, as after a short send().
  if (in_dirty_list_) return;
  after_write();
}

void TcpConnection::flush_tls() {
  if (tls_->handshaking()) return;  // written once the handshake completes
  tls_write_waits_for_read_ = false;
  while (!out_.drained()) {
    // One SSL_write takes the whole turn's buffer; a second runs only after a retried
    // write (which resends its earlier, shorter length) completed.
    size_t written = 0;
    TlsStream::Status status = tls_->write(out_.pending_data(), out_.pending(), written);
    if (status == TlsStream::Status::kOk) {
      out_.consume(written);
      loop_.count_bytes_out(written);
      continue;
    }
    if (status == TlsStream::Status::kClosed) {
      close();
      return;
    }
    tls_write_waits_for_read_ = status == TlsStream::Status::kWantRead;
    break;
  }
  after_write();
}

void TcpConnection::after_write() {
  if (out_.drained()) {
    out_.clear();
    // A connection written in consecutive turns (a busy subscriber) keeps its buffer for
    // the next one. One that was answered and went quiet gives it back now, when the next
    // allocation (often the next connection's) can reuse the bytes: given back later by
    // the sweep they would stay behind as holes in the heap, in the idle connection's RSS.
    uint32_t turn = loop_.turn();
    if (out_.capacity() > kKeepCapacity || turn - last_drained_turn_ > 1) out_.release();
    last_drained_turn_ = turn;
    if (closing_) finish_close_after_flush();
  } else if (out_.mostly_consumed()) {
    out_.compact();
  }
  update_interest();
}

void TcpConnection::update_interest() {
  if (fd_ < 0) return;
  // A TLS write that waits for input must not ask for writability: it would spin.
  bool want = (!out_.drained() && !tls_write_waits_for_read_) || tls_wants_write_;
  if (want == want_write_) return;
  want_write_ = want;
  apply_interest();
}

void TcpConnection::apply_interest() {
  uint32_t events = (read_paused_ ? 0u : EPOLLIN | EPOLLRDHUP) | (want_write_ ? EPOLLOUT : 0u);
  loop_.modify(fd_, events, this);
}

void TcpConnection::pause_reading() {
  if (fd_ < 0 || read_paused_) return;
  read_paused_ = true;
  apply_interest();
}

void TcpConnection::resume_reading() {
  if (fd_ < 0 || !read_paused_) return;
  read_paused_ = false;
  apply_interest();
}

void TcpConnection::close_after_flush() {
  if (fd_ < 0 || closing_) return;
  closing_ = true;
  linger_deadline_ms_ = loop_.now_ms() + kLingerMs;
  if (buffered_bytes() == 0) {
    finish_close_after_flush();
  } else if (!in_dirty_list_) {
    in_dirty_list_ = true;
    loop_.mark_dirty(this);
  }
}

void TcpConnection::finish_close_after_flush() {
  if (write_shut_ || fd_ < 0) return;
  write_shut_ = true;
  if (tls_ != nullptr) tls_->shutdown();
  // Half-close and wait for the peer's EOF: closing with unread input would send a RST
  // that can destroy the close frame we just wrote.
  ::shutdown(fd_, SHUT_WR);
}

void TcpConnection::close() {
  if (fd_ < 0) return;
  ::close(leave_loop());
  if (handler_ != nullptr) {
    ConnectionHandler* handler = handler_;
    handler_ = nullptr;
    handler->on_closed();
  }
}

int TcpConnection::leave_loop() {
  int fd = fd_;
  loop_.remove(fd_);
  fd_ = -1;
  out_.clear();
  auto& registry = loop_.connections();
  registry[registry_index_] = registry.back();
  registry[registry_index_]->registry_index_ = registry_index_;
  registry.pop_back();
  loop_.defer_delete(this);
  return fd;
}

TcpConnection::Detached TcpConnection::detach() {
  Detached detached;
  if (fd_ < 0) return detached;
  handler_ = nullptr;
  detached.fd = leave_loop();
  detached.tls = std::move(tls_);
  return detached;
}

void TcpConnection::sweep(uint64_t now_ms) {
  if (closing_ && now_ms >= linger_deadline_ms_) {
    close();
    return;
  }
  if (tls_ != nullptr && tls_->handshaking() && now_ms >= tls_->handshake_deadline_ms()) {
    // A client that stalls its handshake holds a descriptor and an SSL: not for long.
    tls_->count_handshake_timeout();
    close();
    return;
  }
  // An idle connection gives its send buffer back; busy ones keep theirs between turns, so
  // the hot path never pays for the allocation.
  if (buffered_bytes() == 0 && out_.capacity() != 0 && !in_dirty_list_) {
    out_.release();
  }
  if (tls_ != nullptr && buffered_bytes() == 0 && !in_dirty_list_) tls_->release_buffers();
}

void TcpConnection::on_io(uint32_t events) {
  if (fd_ < 0) return;
  if (tls_ != nullptr) {
    on_tls_io(events);
    return;
  }
  if (events & EPOLLOUT) {
    flush();
    if (fd_ < 0) return;
  }
  if (read_paused_) {
    // Hang-ups and errors are reported whatever the interest; nothing else is read now.
    if (events & (EPOLLHUP | EPOLLERR)) close();
    return;
  }
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
    uint8_t* buffer = loop_.receive_buffer();
    ssize_t n = ::recv(fd_, buffer, EventLoop::kReceiveBufferSize, 0);
    if (n > 0) {
      loop_.count_bytes_in(static_cast<uint64_t>(n));
      // Input after we decided to close is read only to reach the peer's EOF.
      if (!closing_ && handler_ != nullptr) handler_->on_data(buffer, static_cast<size_t>(n));
      return;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
    close();
  }
}

void TcpConnection::on_tls_io(uint32_t events) {
  if (tls_->handshaking()) {
    if (!advance_tls_handshake()) return;
    // Application data sent right behind the handshake is read below.
    events |= EPOLLIN;
  }
  if ((events & EPOLLOUT) && buffered_bytes() != 0) {
    flush();
    if (fd_ < 0) return;
  }
  if (read_paused_) {
    if (events & (EPOLLHUP | EPOLLERR)) close();
    return;
  }
  bool read_waited_for_write = tls_wants_write_ && (events & EPOLLOUT);
  if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) || read_waited_for_write) read_tls();
}

bool TcpConnection::advance_tls_handshake() {
  if (!tls_peeked_) {
    uint8_t first = 0;
    ssize_t n = ::recv(fd_, &first, 1, MSG_PEEK);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return false;
    if (n <= 0) {
      close();
      return false;
    }
    tls_peeked_ = true;
    if (first != kTlsHandshakeRecord) {
      refuse_plain_http();
      return false;
    }
  }
  TlsStream::Status status = tls_->handshake();
  if (status == TlsStream::Status::kClosed) {
    close();
    return false;
  }
  set_tls_wants_write(status == TlsStream::Status::kWantWrite);
  if (status != TlsStream::Status::kOk) return false;
  if (buffered_bytes() != 0 && !in_dirty_list_) {
    in_dirty_list_ = true;
    loop_.mark_dirty(this);
  }
  return true;
}

void TcpConnection::set_tls_wants_write(bool wants) {
  if (wants == tls_wants_write_) return;
  tls_wants_write_ = wants;
  update_interest();
}

void TcpConnection::refuse_plain_http() {
  tls_->count_plain_http();
  // From here on a plain socket on its way out: what the client sends is read and dropped
  // until its EOF, so that the answer is not destroyed by a reset.
  tls_.reset();
  closing_ = true;
  linger_deadline_ms_ = loop_.now_ms() + kLingerMs;
  // A fresh socket's send buffer holds these few bytes.
  ssize_t sent = ::send(fd_, kPlainHttpOnTlsPort, sizeof(kPlainHttpOnTlsPort) - 1, MSG_NOSIGNAL);
  if (sent > 0) loop_.count_bytes_out(static_cast<uint64_t>(sent));
  finish_close_after_flush();
}

void TcpConnection::read_tls() {
  uint8_t* buffer = loop_.receive_buffer();
  size_t filled = 0;
  bool peer_gone = false;
  bool wants_write = false;
  // Records are read whole (the room left always holds one), so OpenSSL keeps nothing
  // back: what is not read now is still in the kernel and wakes the loop again.
  while (EventLoop::kReceiveBufferSize - filled >= TlsStream::kMaxRecord) {
    size_t n = 0;
    TlsStream::Status status = tls_->read(buffer + filled, EventLoop::kReceiveBufferSize - filled, n);
    if (status == TlsStream::Status::kOk) {
      filled += n;
      continue;
    }
    wants_write = status == TlsStream::Status::kWantWrite;
    peer_gone = status == TlsStream::Status::kClosed;
    break;
  }
  set_tls_wants_write(wants_write);
  if (filled > 0) {
    loop_.count_bytes_in(filled);
    // Input after we decided to close is read only to reach the peer's EOF.
    if (!closing_ && handler_ != nullptr) handler_->on_data(buffer, filled);
  }
  // The handler may have closed the connection or handed it to another loop.
  if (fd_ < 0 || tls_ == nullptr) return;
  if (peer_gone) {
    close();
    return;
  }
  if (tls_write_waits_for_read_ && buffered_bytes() != 0 && !in_dirty_list_) {
    in_dirty_list_ = true;
    loop_.mark_dirty(this);
  }
}

}  // namespace sb::transport

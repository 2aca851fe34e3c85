#include "transport/tcp_listener.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sb::transport {

std::unique_ptr<TcpListener> TcpListener::open(EventLoop& loop, const std::string& host,
                                               uint16_t port, DescriptorReserve& reserve, AcceptFn on_accept,
                                               std::string& error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* result = nullptr;
  std::string service = std::to_string(port);
  int rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &result);
  if (rc != 0) {
    error = std::string("cannot resolve ") + host + ": " + ::gai_strerror(rc);
    return nullptr;
  }
  int fd = -1;
  for (addrinfo* ai = result; ai != nullptr; ai = ai->ai_next) {
    fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && ::listen(fd, 4096) == 0) break;
    error = std::string("cannot listen on ") + host + ":" + service + ": " + std::strerror(errno);
    ::close(fd);
    fd = -1;
  }
  ::freeaddrinfo(result);
  if (fd < 0) return nullptr;

  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
  uint16_t actual = bound.ss_family == AF_INET6
                        ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                        : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  std::unique_ptr<TcpListener> listener(new TcpListener(loop, fd, actual, reserve, std::move(on_accept)));
  if (!loop.add(fd, EPOLLIN, listener.get())) {
    error = "cannot register listener";
    return nullptr;
  }
  return listener;
}

TcpListener::TcpListener(EventLoop& loop, int fd, uint16_t port, DescriptorReserve& reserve, AcceptFn on_accept)
    : loop_(loop), fd_(fd), port_(port), reserve_(reserve), on_accept_(std::move(on_accept)) {}

TcpListener::~TcpListener() { close(); }

void TcpListener::close() {
  if (fd_ < 0) return;
  loop_.remove(fd_);
  ::close(fd_);
  fd_ = -1;
}

void TcpListener::resume_if_paused() {
  if (!paused_ || fd_ < 0) return;
  paused_ = false;
  loop_.add(fd_, EPOLLIN, this);
}

void TcpListener::on_io(uint32_t) {
  // Bounded batch per turn so that a connect storm cannot starve established sockets.
  for (int i = 0; i < 128 && fd_ >= 0; ++i) {
    sockaddr_storage peer{};
    int fd = -1;
    switch (reserve_.accept(fd_, fd, peer)) {
      case DescriptorReserve::Outcome::kAccepted:
        break;
      case DescriptorReserve::Outcome::kShed:
        ++shed_;
        continue;
      case DescriptorReserve::Outcome::kNone:
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
          // Not even the spare helped: level-triggered epoll would spin on the pending
          // connection, so pause until the sweep.
          paused_ = true;
          loop_.remove(fd_);
        }
        return;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    on_accept_(fd, peer);
  }
}

}  // namespace sb::transport

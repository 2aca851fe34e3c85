#include "transport/descriptor_reserve.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace sb::transport {

DescriptorReserve::DescriptorReserve() : spare_(::open("/dev/null", O_RDONLY | O_CLOEXEC)) {}

DescriptorReserve::~DescriptorReserve() {
  if (spare_ >= 0) ::close(spare_);
}

DescriptorReserve::Outcome DescriptorReserve::accept(int listen_fd, int& fd, sockaddr_storage& peer) {
  std::lock_guard lock(mutex_);
  socklen_t length = sizeof peer;
  fd = ::accept4(listen_fd, reinterpret_cast<sockaddr*>(&peer), &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd >= 0) return Outcome::kAccepted;
  int error = errno;
  if (error != EMFILE && error != ENFILE) return Outcome::kNone;
  // Lost earlier to another thread (a store file, say): try to take it back first.
  if (spare_ < 0) spare_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (spare_ < 0) {
    errno = error;
    return Outcome::kNone;
  }
  ::close(spare_);
  int doomed = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
  if (doomed >= 0) ::close(doomed);  // the client sees its connection closed at once
  spare_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (doomed >= 0) return Outcome::kShed;
  errno = error;
  return Outcome::kNone;
}

}  // namespace sb::transport

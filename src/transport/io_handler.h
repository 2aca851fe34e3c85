#pragma once
#include <cstdint>

namespace sb::transport {

// Something registered with an EventLoop for readiness events on one file descriptor.
// Implemented by the listener, TCP connections and the loop's own wakeup/timer fds.
class IoHandler {
 public:
  // Called on the loop thread with the epoll event mask (EPOLLIN, EPOLLOUT, EPOLLERR...).
  virtual void on_io(uint32_t events) = 0;

 protected:
  virtual ~IoHandler() = default;
};

}  // namespace sb::transport

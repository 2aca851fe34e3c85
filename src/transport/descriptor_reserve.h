#pragma once
#include <sys/socket.h>

#include <mutex>

namespace sb::transport {

// One spare descriptor for the whole process. At the descriptor limit a listener gives it
// up for a moment to accept a pending connection and close it at once, instead of leaving
// the connection in the backlog (where level-triggered epoll would spin on it). Every
// accept of every loop goes through here, under one lock, so that no loop takes the
// descriptor another has just freed to shed a connection. Accepts are not on the message
// path; the lock is taken once per connection.
class DescriptorReserve {
 public:
  DescriptorReserve();
  ~DescriptorReserve();
  DescriptorReserve(const DescriptorReserve&) = delete;
  DescriptorReserve& operator=(const DescriptorReserve&) = delete;

  enum class Outcome { kAccepted, kShed, kNone };
  // accept4() on listen_fd (non-blocking, close-on-exec). kAccepted: fd is the new
  // connection and peer its address. kShed: the process had no descriptor for it, so one
  // pending connection was accepted with the spare and closed. kNone: nothing accepted
  // (errno says why: EAGAIN, or a limit the spare could not get around).
  Outcome accept(int listen_fd, int& fd, sockaddr_storage& peer);

 private:
  std::mutex mutex_;
  int spare_ = -1;
};

}  // namespace sb::transport

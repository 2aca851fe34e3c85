#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "transport/descriptor_reserve.h"
#include "transport/event_loop.h"
#include "transport/io_handler.h"

struct sockaddr_storage;

namespace sb::transport {

// A listening TCP socket on one loop. Several loops listen on the same port through
// SO_REUSEPORT, so the kernel spreads new connections without a shared accept lock.
class TcpListener final : public IoHandler {
 public:
  using AcceptFn = std::function<void(int fd, const sockaddr_storage& peer)>;

  // Binds host:port and registers with the loop. port 0 picks a free port (see port()).
  // Returns nullptr and sets error when binding fails.
  // Accepts go through reserve (shared by every listener of the process), which sheds
  // connections at the descriptor limit.
  static std::unique_ptr<TcpListener> open(EventLoop& loop, const std::string& host, uint16_t port,
                                           DescriptorReserve& reserve, AcceptFn on_accept, std::string& error);
  ~TcpListener();

  void on_io(uint32_t events) override;
  // Stops accepting (used at shutdown); existing connections are untouched.
  void close();
  // Re-arms the listener after it paused on descriptor exhaustion. Called from the sweep.
  void resume_if_paused();
  // Connections closed at once because the process had no descriptor left for them.
  uint64_t shed_count() const { return shed_; }
  uint16_t port() const { return port_; }

 private:
  TcpListener(EventLoop& loop, int fd, uint16_t port, DescriptorReserve& reserve, AcceptFn on_accept);
  EventLoop& loop_;
  int fd_;
  uint16_t port_;
  DescriptorReserve& reserve_;
  uint64_t shed_ = 0;
  bool paused_ = false;
  AcceptFn on_accept_;
};

}  // namespace sb::transport

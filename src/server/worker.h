#pragma once
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "dialects/dialect.h"
#include "observability/metrics.h"
#include "protocol/http/http_request.h"
#include "transport/event_loop.h"
#include "transport/tcp_connection.h"
#include "transport/tcp_listener.h"
#include "transport/tls_context.h"

struct sockaddr_storage;

namespace sb::server {

class Server;

// One event loop on its own thread with its own listener (SO_REUSEPORT), hub shard and
// metrics. Connections never move between workers.
class Worker {
 public:
  Worker(Server& server, size_t index);
  ~Worker();

  // Adds a listener (call before start()); port 0 picks one. Its connections are routed to
  // the endpoints of endpoint_port (0: of the bound port itself) and speak TLS with tls
  // when given. Returns the bound port, or 0 with error set.
  uint16_t listen(const std::string& host, uint16_t port, uint16_t endpoint_port, transport::TlsContext* tls,
                  std::string& error);
  void start();
  void join();
  // Thread-safe: stops accepting, closes every connection politely (1001), and stops the
  // loop once all are gone or after a deadline.
  void begin_shutdown();

  transport::EventLoop& loop() { return loop_; }
  dialects::SessionContext& session_context() { return *context_; }
  observability::LoopMetrics& metrics() { return metrics_; }
  size_t index() const { return index_; }
  Server& server() { return server_; }

  std::string next_connection_id();

  // Thread-safe: takes over a connection another worker handed over (its request names
  // state that lives on this loop), with the request it had parsed and the bytes that
  // followed it. The per-address slot travels with it when tag says one is held.
  void adopt(transport::TcpConnection::Detached connection, uint8_t tag, uint16_t local_port,
             protocol::http::HttpRequest request, std::string early);
  // Marks a connection as holding a per-address limiter slot (see adopt()).
  static constexpr uint8_t kHoldsLimiterSlot = 1;

 private:
  void accept(int fd, const sockaddr_storage& peer, uint16_t local_port, transport::TlsContext* tls);
  void sweep();
  void check_shutdown_done();

  Server& server_;
  size_t index_;
  transport::EventLoop loop_;
  std::vector<std::unique_ptr<transport::TcpListener>> listeners_;
  observability::LoopMetrics metrics_;
  std::unique_ptr<dialects::SessionContext> context_;
  std::thread thread_;
  uint64_t connection_counter_ = 0;
  uint64_t rate_sample_ms_ = 0;
  uint64_t rate_sample_messages_ = 0;
  bool shutting_down_ = false;
  uint64_t shutdown_deadline_ms_ = 0;
};

}  // namespace sb::server

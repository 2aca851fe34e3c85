#pragma once
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "auth/jwt.h"
#include "bench_client.h"
#include "bench_stats.h"

namespace sb::bench {

// The load generator's engine: non-blocking client connections on one epoll, each through
// upgrade, auth and subscriptions, then publishing or receiving. The connection machinery
// is in bench_client.cc; each benchmark mode (a method returning its RunResult) in
// bench_modes.cc.
class Driver {
 public:
  explicit Driver(const BenchOptions& o);
  ~Driver();
  Driver(const Driver&) = delete;
  Driver& operator=(const Driver&) = delete;

  // The modes (bench_modes.cc, bench_storm.cc), one per run.
  // Subscribers on one channel, publishers at a steady rate: delivery rate and latency.
  RunResult fanout();
  // Connections with two channels each, held: the server's RSS growth per connection.
  RunResult idle();
  // Connections opened and closed, a bounded number in flight: handshakes per second.
  RunResult connect_rate();
  // Users in one document: joins (presence), cursor moves at o_.hz each, then leaves.
  RunResult cursors();
  // Connections with two channels each that, once the server goes away, come back within
  // o_.spread seconds each and subscribe again: the time until all are back.
  RunResult storm();

 private:
  // What a connection speaks: subscribers the run's dialect, publishers always topics.
  enum class Dialect { kTopics, kEnvelope, kEvents, kRooms, kSocketIo };
  Dialect dialect(const Conn& c) const;
  bool socketio(const Conn& c) const { return dialect(c) == Dialect::kSocketIo; }
  // What a dialect says once the connection is authenticated, and to a subscription.
  static std::string_view greeting(Dialect d);
  static std::string_view subscribe_answer(Dialect d);
  // The token of bench user n: shared, or one of its own (allowed to read documents). In
  // socketio runs every user belongs to company "bench", whose channel publishers (admins)
  // publish to.
  std::string token_for(int n, bool publisher = false);
  // The auth frame for connection number n (topics dialect).
  std::string auth_frame(int n, bool publisher);
  // Socket.IO: the CONNECT packet with the token, once the Engine.IO open packet arrived.
  void socketio_handshake(Conn& c, std::string_view payload);

  // Starts a connection (as bench user `user`, or the next one when -1); null when the
  // socket could not even be created.
  Conn* open(bool publisher, int index, std::vector<std::string> channels, int user = -1);
  // Opens count connections (bounded in flight) and waits until all are ready.
  bool connect_many(int count, bool publisher, const std::function<std::vector<std::string>(int)>& channels_of);
  void close_conn(Conn& c);
  void watch(Conn& c, bool writable);
  // Drives a TLS handshake on readiness; once done, the queued upgrade request goes out.
  void continue_handshake(Conn& c);
  // send() or SSL_write(): bytes written, or -1 with errno EAGAIN when the socket is full.
  ssize_t write_some(Conn& c, const char* data, size_t size);
  // recv() or SSL_read(): bytes read, 0 at the end, -1 with errno EAGAIN when none yet.
  ssize_t read_some(Conn& c, char* data, size_t size);
  // One epoll pass; returns after timeout_ms or events.
  void poll(int timeout_ms);
  void flush(Conn& c);
  void send(Conn& c, std::string_view bytes);
  void read(Conn& c);
  // Handles every complete frame in bytes; returns how many bytes they used.
  size_t parse_frames(Conn& c, std::string_view bytes);
  void on_frame(Conn& c, uint8_t opcode, std::string_view payload);
  // Counts a presence event to a ready envelope connection; false for anything else.
  bool count_presence(std::string_view payload);

  const BenchOptions& o_;
  int epoll_;
  sockaddr_in addr_{};
  std::string upgrade_;
  std::string auth_frame_;
  std::unique_ptr<auth::JwtCodec> codec_;
  SSL_CTX* tls_ = nullptr;  // --tls
  int next_user_ = 0;
  std::vector<std::unique_ptr<Conn>> conns_;
  int ready_ = 0;
  LatencySamples latency_;
  RunResult result_;
};

}  // namespace sb::bench

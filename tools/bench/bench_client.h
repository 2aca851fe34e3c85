#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "bench_stats.h"

typedef struct ssl_st SSL;

namespace sb::bench {

struct BenchOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 3000;
  std::string path = "/ws";
  std::string token;          // one token for every connection, or:
  std::string secret;         // HS256 secret: each connection gets its own user and token
  std::string channel = "bench";
  std::string mode = "fanout";  // fanout, idle, connect, cursors, storm
  std::string dialect = "topics";  // topics, envelope (cursors mode), or socketio (fanout, idle)
  std::string publish_path;        // socketio: the topics endpoint publishers use (default: path)
  uint16_t publish_port = 0;       // publishers connect here (another cluster node); 0: port
  std::vector<uint16_t> subscriber_ports;  // subscriber n connects to entry n % size; empty: port
  double hz = 30;            // cursors: moves per second per user
  int subscribers = 1000;
  int publishers = 1;
  double rate = 1000;        // publications per second, all publishers together
  int payload = 64;          // bytes of the `data` object
  double duration = 10;      // seconds of publishing (or connecting)
  int concurrency = 256;     // connect mode: handshakes in flight
  int server_pid = 0;        // idle mode: whose RSS to measure
  double hold = 0;           // idle mode: seconds to hold connections after measuring
  bool tls = false;          // wss: TLS first (the server's certificate is not checked)
  double report_every = 0;   // fanout: seconds between interval lines (0: none)
  bool no_auth = false;      // connect mode: a connection is done at its 101 (plain upgrade)
  bool url_token = false;    // topics: the token goes in the upgrade's URL, not an auth message
  double spread = 1;         // storm mode: seconds over which the clients come back
};

// One client connection speaking the topics dialect: upgrade, auth, subscribe, then either
// publishing or receiving. Non-blocking sockets on one epoll, plain or with TLS.
struct Conn {
  enum class State { kConnecting, kUpgrading, kAuthing, kSubscribing, kReady, kClosed };
  int fd = -1;
  SSL* ssl = nullptr;        // --tls: the connection's TLS state
  bool tls_handshaking = false;
  State state = State::kConnecting;
  bool publisher = false;
  int index = 0;
  int user = -1;  // which bench user this connection authenticates as
  int subscriptions_pending = 0;
  std::vector<std::string> channels;
  std::string in;
  std::string out;
  uint64_t started_ns = 0;
  std::vector<int64_t> last_seq;  // per publisher, for order and loss checks
};

struct RunResult {
  uint64_t published = 0;
  uint64_t delivered = 0;
  uint64_t out_of_order = 0;
  uint64_t connect_ms = 0;
  double connects_per_second = 0;
  double publish_seconds = 0;
  double deliveries_per_second = 0;
  uint64_t p50_us = 0, p99_us = 0, p999_us = 0, max_us = 0;
  uint64_t rss_before_kb = 0, rss_after_kb = 0;
  uint64_t presence_joins = 0, presence_leaves = 0;  // USER_JOINED / USER_LEFT received
  uint64_t join_ms = 0, leave_ms = 0;
  uint64_t recovery_ms = 0;    // storm: from every client seeing the server go to all resubscribed
  uint64_t first_back_ms = 0;  // storm: from then to the first client resubscribed
  uint64_t retries = 0;        // storm: reconnect attempts refused while the server was down
  // storm: from a client's successful attempt to its channels confirmed, under the storm
  uint64_t storm_handshake_p50_us = 0, storm_handshake_p99_us = 0;
  int connections = 0;
  int errors = 0;
};

// Runs one benchmark as the options say and returns its figures.
RunResult run_benchmark(const BenchOptions& options);

}  // namespace sb::bench

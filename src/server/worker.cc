#include "server/worker.h"

#include <sys/socket.h>
#include <unistd.h>

#include <string_view>

#include "observability/log.h"
#include "protocol/http/response.h"
#include "server/http_session.h"
#include "server/server.h"
#include "transport/tcp_connection.h"

namespace sb::server {

namespace http = protocol::http;

namespace {
constexpr uint64_t kShutdownGraceMs = 3000;
// Sends per io_uring submission: a turn with more dirty connections submits in chunks.
constexpr unsigned kUringEntries = 1024;

// A connection on its way to another loop: closed if the hand-over never completes (the
// loop stopped before running it).
struct HandedOver {
  transport::TcpConnection::Detached connection;
  explicit HandedOver(transport::TcpConnection::Detached detached) : connection(std::move(detached)) {}
  ~HandedOver() {
    if (connection.fd >= 0) ::close(connection.fd);
  }
  int take_fd() {
    int f = connection.fd;
    connection.fd = -1;
    return f;
  }
};

// A connection over a per-address limit: answered 429 at once, without waiting for its
// request, and its descriptor released in the same turn, so that a flood from one address
// holds no descriptors at all.
void refuse(transport::TcpConnection& tcp, std::string_view why, bool secure) {
  if (secure) {
    // An answer would cost a whole handshake, which is what the limit protects.
    tcp.close();
    return;
  }
  http::HttpResponse r = http::json_error(429, why);
  r.headers.emplace_back("Retry-After", "1");
  r.close = true;
  std::string out;
  http::serialize(r, out);
  tcp.send(out.data(), out.size());
  tcp.flush();  // a few hundred bytes: they fit the fresh socket's buffer
  tcp.close();
}

}  // namespace

Worker::Worker(Server& server, size_t index) : server_(server), index_(index), loop_(1000) {
  hub::HubShard& shard = server_.hub().add_shard([this] { loop_.wake(); });
  context_ = std::make_unique<dialects::SessionContext>(dialects::SessionContext{
      loop_, server_.hub(), index_, server_.jwt(), server_.policy(), metrics_, server_.occupancy(),
      server_.registry(), server_.presence(),
      dialects::SessionLimits{1000, server_.config().max_messages_per_second, server_.config().cursor_max_per_second,
                              server_.config().typing_timeout_ms, server_.config().max_message_size},
      server_.work_pool(), server_.notifications(), server_.maintenance(), server_.limiter()});
  loop_.on_wake([&shard] { shard.drain_inbox(); });
  loop_.on_before_sleep([&shard] { shard.drain_inbox(); });
  loop_.on_after_flush([this, &shard] {
    auto& delivered = shard.delivered_this_turn();
    if (delivered.empty()) return;
    uint64_t now = transport::EventLoop::monotonic_us();
    for (const auto& p : delivered) {
      metrics_.publish_to_write.observe(now > p->published_mono_us ? now - p->published_mono_us : 0);
    }
    delivered.clear();
  });
  loop_.on_sweep([this] { sweep(); });
  loop_.on_after_flush([this] { check_shutdown_done(); });
  loop_.set_release_hook([this](transport::TcpConnection& c) {
    metrics_.connections_open.fetch_sub(1, std::memory_order_relaxed);
    if (c.tag() == kHoldsLimiterSlot) server_.limiter().release(c.peer_key());
  });
  if (server_.config().write_path == "io_uring") {
    std::string error;
    if (!loop_.use_uring_writes(kUringEntries, error)) {
      log::warn("server.io_uring_unavailable",
                {{"loop", std::to_string(index_)}, {"error", error}, {"write_path", "send"}});
    }
  }
}

Worker::~Worker() = default;

uint16_t Worker::listen(const std::string& host, uint16_t port, uint16_t endpoint_port, transport::TlsContext* tls,
                        std::string& error) {
  // The accept callback needs the bound port (for port 0), known only after open().
  auto routed = std::make_shared<uint16_t>(endpoint_port);
  auto listener = transport::TcpListener::open(
      loop_, host, port, server_.descriptor_reserve(),
      [this, routed, tls](int fd, const sockaddr_storage& peer) { accept(fd, peer, *routed, tls); }, error);
  if (!listener) return 0;
  uint16_t bound = listener->port();
  if (*routed == 0) *routed = bound;
  listeners_.push_back(std::move(listener));
  return bound;
}

std::string Worker::next_connection_id() {
  // Unique in the cluster: relays skip their sender by this id on every node.
  return "conn-" + server_.hub().node_id() + "-" + std::to_string(index_) + "-" + std::to_string(++connection_counter_);
}

void Worker::accept(int fd, const sockaddr_storage& peer, uint16_t local_port, transport::TlsContext* tls) {
  if (shutting_down_) {
    ::close(fd);
    return;
  }
  auto* tcp = new transport::TcpConnection(loop_, fd, peer, server_.config().max_send_buffer);
  // Counted before start(): every TcpConnection is released through the hook, which
  // decrements the gauge, also one that could not be registered.
  metrics_.connections_open.fetch_add(1, std::memory_order_relaxed);
  if (!tcp->start()) {
    delete tcp;
    return;
  }
  auto verdict = server_.limiter().try_acquire(tcp->peer_key(), loop_.now_ms());
  if (verdict != hub::ConnectionLimiter::Verdict::kAccepted) {
    // Answer with 429 rather than resetting, so the client learns why.
    metrics_.connections_refused.fetch_add(1, std::memory_order_relaxed);
    metrics_.count_error(429);
    refuse(*tcp,
           verdict == hub::ConnectionLimiter::Verdict::kTooMany ? "too many connections from this address"
                                                                 : "too many new connections from this address; slow down",
           tls != nullptr);
    return;
  }
  tcp->set_tag(kHoldsLimiterSlot);
  // TLS only for connections the limiter let in: a flood from one address never costs an
  // SSL object (7.6 KB and a lock) per connection.
  if (tls != nullptr) {
    // The handshake has as long as a request head to arrive.
    SSL* ssl = tls->new_ssl();
    if (ssl == nullptr ||
        !tcp->use_tls(std::make_unique<transport::TlsStream>(ssl, tls->counters(),
                                                             loop_.now_ms() + server_.config().request_head_timeout_ms))) {
      tcp->close();
      return;
    }
  }
  metrics_.connections_accepted.fetch_add(1, std::memory_order_relaxed);
  tcp->set_handler(new HttpSession(*this, *tcp, local_port));
}

void Worker::adopt(transport::TcpConnection::Detached connection, uint8_t tag, uint16_t local_port,
                   protocol::http::HttpRequest request, std::string early) {
  auto descriptor = std::make_shared<HandedOver>(std::move(connection));
  loop_.post([this, descriptor, tag, local_port, request = std::move(request), early = std::move(early)]() mutable {
    sockaddr_storage peer{};
    socklen_t length = sizeof(peer);
    ::getpeername(descriptor->connection.fd, reinterpret_cast<sockaddr*>(&peer), &length);
    auto* tcp = new transport::TcpConnection(loop_, descriptor->take_fd(), peer, server_.config().max_send_buffer);
    if (descriptor->connection.tls != nullptr) tcp->use_tls(std::move(descriptor->connection.tls));
    // The slot travels with the connection: released through this loop's hook from now on.
    tcp->set_tag(tag);
    metrics_.connections_open.fetch_add(1, std::memory_order_relaxed);
    if (!tcp->start()) {
      delete tcp;
      return;
    }
    if (shutting_down_) {
      tcp->close();
      return;
    }
    auto* session = new HttpSession(*this, *tcp, local_port);
    tcp->set_handler(session);
    session->resume(std::move(request), std::move(early));
  });
}

void Worker::sweep() {
  uint64_t now = loop_.now_ms();
  uint64_t messages = metrics_.messages_in.load(std::memory_order_relaxed);
  if (rate_sample_ms_ != 0 && now > rate_sample_ms_) {
    metrics_.messages_per_second.store((messages - rate_sample_messages_) * 1000 / (now - rate_sample_ms_),
                                       std::memory_order_relaxed);
  }
  rate_sample_ms_ = now;
  rate_sample_messages_ = messages;
  uint64_t shed = 0;
  for (auto& listener : listeners_) {
    listener->resume_if_paused();
    shed += listener->shed_count();
  }
  metrics_.connections_shed.store(shed, std::memory_order_relaxed);
  if (index_ == 0) {
    server_.limiter().prune(now);
    server_.hub().broker().maintain(loop_.wall_ms());
  }
  for (const auto& dialect : server_.dialects()) dialect->on_loop_sweep(*context_, now);
  // Handlers may close connections, which reorders the registry: walk a copy.
  std::vector<transport::TcpConnection*> snapshot = loop_.connections();
  for (transport::TcpConnection* c : snapshot) {
    if (c->closed()) continue;
    if (transport::ConnectionHandler* h = c->handler()) {
      h->on_sweep(now);
    } else {
      c->sweep(now);
    }
  }
  if (shutting_down_ && now >= shutdown_deadline_ms_) {
    for (transport::TcpConnection* c : std::vector<transport::TcpConnection*>(loop_.connections())) c->close();
    loop_.stop();
  }
}

void Worker::check_shutdown_done() {
  if (shutting_down_ && loop_.connections().empty()) loop_.stop();
}

void Worker::start() {
  thread_ = std::thread([this] { loop_.run(); });
}

void Worker::join() {
  if (thread_.joinable()) thread_.join();
}

void Worker::begin_shutdown() {
  loop_.post([this] {
    if (shutting_down_) return;
    shutting_down_ = true;
    shutdown_deadline_ms_ = loop_.now_ms() + kShutdownGraceMs;
    for (auto& listener : listeners_) listener->close();
    for (const auto& dialect : server_.dialects()) dialect->on_loop_shutdown(*context_);
    std::vector<transport::TcpConnection*> snapshot = loop_.connections();
    for (transport::TcpConnection* c : snapshot) {
      if (c->closed()) continue;
      if (transport::ConnectionHandler* h = c->handler()) {
        h->on_shutdown();
      } else {
        c->close();
      }
    }
  });
}

}  // namespace sb::server

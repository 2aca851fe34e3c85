#include "server/server.h"

#include <pthread.h>
#include <signal.h>

#include <thread>

#include "dialects/echo/echo_dialect.h"
#include "dialects/rooms/rooms_dialect.h"
#include "dialects/topics/topics_dialect.h"
#include "json/json_writer.h"
#include "observability/log.h"
#include "server/worker.h"

namespace sb::server {

namespace {
// Encoding slots of the per-publication cache, one per dialect.
constexpr size_t kTopicsEncodingSlot = 0;
constexpr size_t kRoomsEncodingSlot = 1;

// Rooms are channels: each configured room becomes a channel rule (checked before the
// general rules, for every dialect) and, with maxConnections, a capacity.
std::vector<auth::ChannelRule> rules_with_rooms(const config::Config& c) {
  std::vector<auth::ChannelRule> rules;
  for (const auto& room : c.rooms.rooms) {
    auth::AccessRule access;
    access.role = room.min_role;
    access.anonymous = room.is_public;
    rules.push_back(auth::ChannelRule{room.name, access, access});
  }
  rules.insert(rules.end(), c.channel_rules.begin(), c.channel_rules.end());
  return rules;
}
}  // namespace

Server::Server(config::Config config) : config_(std::move(config)), limiter_(config_.max_connections_per_ip) {}

Server::~Server() {
  stop();
}

std::unique_ptr<Server> Server::create(config::Config config, std::string& error) {
  if (config.pubsub_adapter != "memory") {
    error = "PUBSUB_ADAPTER=" + config.pubsub_adapter +
            " is not supported yet: this version routes in memory on one node (use PUBSUB_ADAPTER=memory)";
    return nullptr;
  }
  std::unique_ptr<Server> server(new Server(std::move(config)));
  const config::Config& c = server->config_;
  server->jwt_ = auth::JwtCodec::create(c.jwt, error);
  if (!server->jwt_) return nullptr;
  server->policy_ = auth::ChannelPolicy(rules_with_rooms(c), c.default_subscribe, c.default_publish,
                                        auth::RoleHierarchy(c.role_hierarchy));
  for (const auto& room : c.rooms.rooms) {
    if (room.max_connections != 0) server->occupancy_.set_capacity(room.name, room.max_connections);
  }
  server->dialects_.push_back(std::make_unique<dialects::topics::TopicsDialect>(kTopicsEncodingSlot));
  server->dialects_.push_back(
      std::make_unique<dialects::rooms::RoomsDialect>(c.rooms, kRoomsEncodingSlot, server->work_pool_));
  server->dialects_.push_back(std::make_unique<dialects::echo::EchoDialect>());
  for (const auto& endpoint : c.endpoints) {
    dialects::Dialect* found = nullptr;
    for (const auto& d : server->dialects_) {
      if (d->name() == endpoint.dialect) found = d.get();
    }
    if (found == nullptr) {
      error = "endpoint " + endpoint.path + ": unknown dialect \"" + endpoint.dialect + "\" (known: topics, rooms, echo)";
      return nullptr;
    }
    server->endpoints_[endpoint.path] = found;
  }
  Server* raw = server.get();
  server->hub_api_ = std::make_unique<api::HubApi>(server->hub_, server->registry_, server->occupancy_,
                                                   [raw] { return raw->messages_per_second(); });
  server->api_ = std::make_unique<api::HttpApi>(
      c, *server->jwt_, server->hub_, server->work_pool_, *server->hub_api_, [raw] { return raw->render_metrics(); },
      [raw] { return raw->render_health(); });
  unsigned threads = c.threads != 0 ? c.threads : std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < threads; ++i) server->workers_.push_back(std::make_unique<Worker>(*server, i));
  return server;
}

dialects::Dialect* Server::dialect_for_path(std::string_view path) const {
  auto it = endpoints_.find(std::string(path));
  return it == endpoints_.end() ? nullptr : it->second;
}

uint16_t Server::port() const { return workers_.empty() ? 0 : workers_.front()->port(); }

bool Server::listen(std::string& error) {
  uint16_t port = config_.port;
  for (auto& worker : workers_) {
    if (!worker->listen(config_.host, port, error)) return false;
    port = worker->port();  // with port 0, the other loops join the port the first one got
  }
  return true;
}

void Server::start() {
  started_ms_ = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::steady_clock::now().time_since_epoch())
                                          .count());
  for (auto& worker : workers_) worker->start();
}

void Server::stop() {
  for (auto& worker : workers_) worker->begin_shutdown();
  for (auto& worker : workers_) worker->join();
}

int Server::run() {
  // Signals are taken synchronously by this thread; the loops never see them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  start();
  log::info("server.listening", {{"host", config_.host},
                                 {"port", std::to_string(port())},
                                 {"threads", std::to_string(workers_.size())}});
  int received = 0;
  sigwait(&signals, &received);
  log::info("server.shutdown", {{"signal", received == SIGINT ? "SIGINT" : "SIGTERM"}});
  stop();
  log::info("server.stopped");
  return 0;
}

std::string Server::render_metrics() const {
  std::vector<const observability::LoopMetrics*> loops;
  uint64_t bytes_in = 0, bytes_out = 0;
  for (const auto& worker : workers_) {
    loops.push_back(&worker->metrics());
    bytes_in += worker->loop().bytes_in();
    bytes_out += worker->loop().bytes_out();
  }
  observability::MetricsSnapshot extras;
  extras.fanout_deliveries = hub_.total_deliveries();
  extras.extra_gauges.emplace_back("switchboard_subscriptions", hub_.total_subscriptions());
  extras.extra_counters.emplace_back("switchboard_publications_total", hub_.total_publications());
  extras.extra_counters.emplace_back("switchboard_deliveries_total", hub_.total_deliveries());
  return observability::render_prometheus(loops, bytes_in, bytes_out, extras);
}

uint64_t Server::messages_per_second() const {
  uint64_t total = 0;
  for (const auto& worker : workers_) total += worker->metrics().messages_per_second.load(std::memory_order_relaxed);
  return total;
}

std::string Server::render_health() const {
  uint64_t connections = 0;
  for (const auto& worker : workers_) {
    connections += worker->metrics().websockets_open.load(std::memory_order_relaxed);
  }
  uint64_t now = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                           std::chrono::steady_clock::now().time_since_epoch())
                                           .count());
  std::string out;
  json::ObjectWriter(out).string("status", "ok").string("version", SWITCHBOARD_VERSION)
      .number("connections", static_cast<int64_t>(connections))
      .number("uptimeSeconds", static_cast<int64_t>((now - started_ms_) / 1000)).end();
  return out;
}

}  // namespace sb::server

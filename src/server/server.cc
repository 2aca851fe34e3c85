#include "server/server.h"


#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <thread>

#include "dialects/echo/echo_dialect.h"
#include "dialects/envelope/envelope_dialect.h"
#include "dialects/events/events_dialect.h"
#include "dialects/rooms/rooms_dialect.h"
#include "dialects/socketio/socketio_dialect.h"
#include "dialects/presence_events.h"
#include "dialects/topics/topics_dialect.h"
#include "cluster/redis_broker.h"
#include "cluster/redis_client.h"
#include "cluster/redis_decision_store.h"
#include "cluster/redis_meeting_store.h"
#include "cluster/redis_notification_store.h"
#include "store/memory_meeting_store.h"
#include "store/sqlite_decision_store.h"
#include "store/sqlite_notification_store.h"
#include "hub/memory_broker.h"
#include "json/json_writer.h"
#include "observability/log.h"
#include "server/worker.h"
#include "transport/uring_writer.h"

namespace sb::server {

namespace {
// Encoding slots of the per-publication cache, one per dialect.
constexpr size_t kTopicsEncodingSlot = 0;
constexpr size_t kRoomsEncodingSlot = 1;
constexpr size_t kEnvelopeEncodingSlot = 2;
constexpr size_t kSocketIoEncodingSlot = 3;
constexpr size_t kEventsEncodingSlot = 4;
constexpr size_t kSocketIoRecoveryEncodingSlot = 5;  // Socket.IO events before their offset

// Rooms are channels: each configured room becomes a channel rule (checked before the
// general rules, for every dialect) and, with maxConnections, a capacity. A room keeps the
// history of the first general rule that names it.
std::vector<auth::ChannelRule> rules_with_rooms(const config::Config& c) {
  std::vector<auth::ChannelRule> rules;
  auth::ChannelPolicy general(c.channel_rules, {}, {}, {});
  for (const auto& room : c.rooms.rooms) {
    auth::AccessRule access;
    access.role = room.min_role;
    access.anonymous = room.is_public;
    rules.push_back(auth::ChannelRule{room.name, access, access, general.retention(room.name)});
  }
  rules.insert(rules.end(), c.channel_rules.begin(), c.channel_rules.end());
  return rules;
}
}  // namespace

Server::Server(config::Config config)
    : config_(std::move(config)), limiter_(config_.max_connections_per_ip, config_.max_accepts_per_ip_per_second) {}

Server::~Server() {
  stop();
}

std::unique_ptr<Server> Server::create(config::Config config, std::string& error) {
  if (config.pubsub_adapter != "memory" && config.pubsub_adapter != "redis") {
    error = "PUBSUB_ADAPTER=" + config.pubsub_adapter + " is not known: use memory (one node) or redis (a cluster)";
    return nullptr;
  }
  std::unique_ptr<Server> server(new Server(std::move(config)));
  const config::Config& c = server->config_;
  server->jwt_ = auth::JwtCodec::create(c.jwt, error);
  if (!server->jwt_) return nullptr;
  if (c.jwt.jwks.configured()) {
    server->jwks_ = std::make_unique<auth::JwksRefresher>(c.jwt.jwks, *server->jwt_);
    if (!server->jwks_->load_now(error)) return nullptr;
    server->jwt_->on_unknown_kid([refresher = server->jwks_.get()] { refresher->request_refresh(); });
    server->jwks_->start();
  }
  server->policy_ = auth::ChannelPolicy(rules_with_rooms(c), c.default_subscribe, c.default_publish,
                                        auth::RoleHierarchy(c.role_hierarchy));
  hub::RetentionLookup retention = [policy = &server->policy_](std::string_view channel) {
    return policy->retention(channel);
  };
  unsigned threads = c.threads != 0 ? c.threads : std::max(1u, std::thread::hardware_concurrency());
  // Meetings and decisions: each lives on one loop, reached through the loop group (filled
  // once the workers exist).
  server->loops_ = std::make_unique<transport::LoopGroup>(threads);
  if (c.pubsub_adapter == "redis") {
    cluster::RedisBroker::Settings settings;
    if (!cluster::parse_redis_urls(c.pubsub_redis_url, settings.endpoints, error)) return nullptr;
    settings.prefix = c.pubsub_redis_prefix;
    settings.meta_ttl_s = c.history_meta_ttl_s;
    settings.retention = retention;
    settings.presence_ttl_ms = c.presence_ttl_ms;
    // Presence covers the cluster; members of a node that died leave through whichever node
    // noticed it first.
    settings.presence_departed = [hub = &server->hub_](const std::string& channel, const std::string& user_id) {
      dialects::publish_presence_leave(*hub, hub::Broker::kNoOrigin, channel,
                                       dialects::PresenceSubject{user_id, {}, {}, {}},
                                       hub::MemoryBroker::system_clock_ms());
    };
    // The node's totals for the cluster's stats (read on the broker's thread).
    settings.node_totals = [raw = server.get()] {
      std::vector<std::pair<std::string, uint64_t>> totals;
      totals.emplace_back("connections", raw->registry_.connection_count());
      if (raw->workers_ready_.load(std::memory_order_acquire)) totals.emplace_back("mps", raw->messages_per_second());
      for (const auto& [room, members] : raw->occupancy_.snapshot()) totals.emplace_back("room:" + room, members);
      return totals;
    };
    // The stores' own connections (blocking, used from work-pool threads), one per instance.
    std::vector<std::shared_ptr<cluster::RedisClient>> store_clients;
    for (const auto& endpoint : settings.endpoints) store_clients.push_back(std::make_shared<cluster::RedisClient>(endpoint));
    // Meetings are shared; participants of a node that died leave through whichever node
    // noticed it first. The service exists before the broker's reaper can call it.
    server->meeting_store_ =
        std::make_unique<cluster::RedisMeetingStore>(store_clients, c.pubsub_redis_prefix, server->hub_.node_id());
    server->meetings_ =
        std::make_unique<features::meetings::MeetingService>(server->hub_, *server->loops_, *server->meeting_store_);
    settings.meeting_departed = [meetings = server->meetings_.get()](const std::string& meeting_id,
                                                                     const std::string& user_id,
                                                                     const std::string& name, uint32_t users) {
      meetings->departed(meeting_id, user_id, name, users);
    };
    auto broker = cluster::RedisBroker::start(server->hub_, std::move(settings), error);
    if (!broker) return nullptr;
    server->notifications_ = std::make_unique<cluster::RedisNotificationStore>(store_clients, c.pubsub_redis_prefix);
    server->decision_store_ = std::make_unique<cluster::RedisDecisionStore>(store_clients, c.pubsub_redis_prefix);
    server->cluster_broker_ = broker.get();
    server->presence_.set_cluster(&broker->presence());
    server->registry_.set_cluster(&broker->registry());
    server->occupancy_.set_cluster(&broker->occupancy());
    server->hub_.set_relay(&broker->relay());
    server->hub_.set_broker(std::move(broker));
    log::info("cluster.redis", {{"instances", c.pubsub_redis_url.find('@') == std::string::npos
                                                  ? c.pubsub_redis_url : std::string("(with credentials)")},
                                {"prefix", c.pubsub_redis_prefix}});
  } else {
    auto broker = std::make_unique<hub::MemoryBroker>(server->hub_, retention, uint64_t{c.history_meta_ttl_s} * 1000);
    server->memory_broker_ = broker.get();
    server->hub_.set_broker(std::move(broker));
  }
  for (const auto& room : c.rooms.rooms) {
    if (room.max_connections != 0) server->occupancy_.set_capacity(room.name, room.max_connections);
  }
  server->presence_.set_patterns(c.presence_channels);
  if (!server->notifications_ && !c.store_path.empty()) {
    server->notifications_ = store::SqliteNotificationStore::open(c.store_path, error);
    if (!server->notifications_) return nullptr;
  }
  server->dialects_.push_back(std::make_unique<dialects::topics::TopicsDialect>(kTopicsEncodingSlot));
  server->dialects_.push_back(
      std::make_unique<dialects::rooms::RoomsDialect>(c.rooms, kRoomsEncodingSlot,
                                                      server->work_pool_));
  server->dialects_.push_back(std::make_unique<dialects::envelope::EnvelopeDialect>(kEnvelopeEncodingSlot));
  // A slow actions backend holds threads of this pool only, never the store's or the logins'.
  server->action_pool_ = std::make_unique<transport::WorkPool>(8);
  // Decisions persist in the embedded store's file.
  if (!server->decision_store_ && !c.store_path.empty()) {
    server->decision_store_ = store::SqliteDecisionStore::open(c.store_path, error);
    if (!server->decision_store_) return nullptr;
  }
  if (!server->meetings_) {
    server->meeting_store_ = std::make_unique<store::MemoryMeetingStore>();
    server->meetings_ =
        std::make_unique<features::meetings::MeetingService>(server->hub_, *server->loops_, *server->meeting_store_);
  }
  server->decisions_ = std::make_unique<features::decisions::DecisionService>(
      server->hub_, *server->loops_, server->policy_, server->decision_store_.get(), c.events.vote_update_interval_ms);
  server->features_api_ = std::make_unique<api::FeaturesApi>(*server->meetings_, *server->decisions_);
  server->dialects_.push_back(std::make_unique<dialects::events::EventsDialect>(
      c.events, dialects::events::EventsServices{*server->meetings_, *server->decisions_}, kEventsEncodingSlot));
  server->dialects_.push_back(std::make_unique<dialects::socketio::SocketIoDialect>(
      server->hub_, c.socketio, threads, kSocketIoEncodingSlot, kSocketIoRecoveryEncodingSlot, *server->action_pool_));
  server->dialects_.push_back(std::make_unique<dialects::echo::EchoDialect>());
  for (const auto& endpoint : c.endpoints) {
    bool found = false;
    for (const auto& d : server->dialects_) found = found || d->name() == endpoint.dialect;
    if (!found) {
      error = "endpoint " + endpoint.path + ": unknown dialect \"" + endpoint.dialect + "\" (known: " +
              server->dialect_names() + ")";
      return nullptr;
    }
  }
  Server* raw = server.get();
  server->hub_api_ = std::make_unique<api::HubApi>(server->hub_, server->registry_, server->occupancy_,
                                                   server->maintenance_, [raw] { return raw->messages_per_second(); });
  server->password_pool_ = std::make_unique<transport::WorkPool>(c.password_hash_threads);
  server->api_ = std::make_unique<api::HttpApi>(
      c, *server->jwt_, server->policy_, server->hub_, server->work_pool_, *server->password_pool_, *server->hub_api_,
      *server->features_api_, server->notifications_.get(), server->presence_,
      api::HttpApi::Views{[raw] { return raw->render_metrics(); }, [raw] { return raw->render_health(); },
                          [raw] { return raw->render_stats(); }});
  for (unsigned i = 0; i < threads; ++i) {
    server->workers_.push_back(std::make_unique<Worker>(*server, i));
    server->loops_->set(i, server->workers_.back()->loop());
  }
  server->workers_ready_.store(true, std::memory_order_release);
  server->decisions_->load(static_cast<int64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                    std::chrono::system_clock::now().time_since_epoch())
                                                    .count()));
  return server;
}

std::string Server::dialect_names() const {
  std::string names;
  for (const auto& d : dialects_) names += (names.empty() ? "" : ", ") + std::string(d->name());
  return names;
}

const Endpoint* Server::endpoint_for(uint16_t port, std::string_view path) const {
  auto it = endpoints_.find(std::to_string(port) + " " + std::string(path));
  return it == endpoints_.end() ? nullptr : &it->second;
}

transport::TlsContext* Server::tls_context(const transport::TlsSettings& settings, std::string& error) {
  for (const auto& context : tls_contexts_) {
    if (context->settings() == settings) return context.get();
  }
  auto context = transport::TlsContext::create(settings, error);
  if (!context) return nullptr;
  tls_contexts_.push_back(std::move(context));
  return tls_contexts_.back().get();
}

uint16_t Server::listen_everywhere(uint16_t port, uint16_t endpoint_port, transport::TlsContext* tls,
                                   std::string& error) {
  // With port 0 the other loops join the port the first one got.
  for (auto& worker : workers_) {
    uint16_t bound = worker->listen(config_.host, port, endpoint_port, tls, error);
    if (bound == 0) return 0;
    port = bound;
  }
  return port;
}

bool Server::listen(std::string& error) {
  // The main port first, then its TLS twin (tls_port), then every other port an endpoint
  // names, each with the TLS its endpoints agree on.
  transport::TlsContext* main_tls = nullptr;
  if (config_.tls.enabled()) {
    main_tls = tls_context(config_.tls, error);
    if (main_tls == nullptr) return false;
  } else if (config_.tls_port != 0) {
    error = "tls_port needs tls_cert and tls_key in [server]";
    return false;
  }
  main_port_ = listen_everywhere(config_.port, 0, config_.tls_port == 0 ? main_tls : nullptr, error);
  if (main_port_ == 0) return false;
  if (config_.tls_port != 0 && listen_everywhere(config_.tls_port, main_port_, main_tls, error) == 0) return false;
  std::vector<uint16_t> ports;
  for (const auto& endpoint : config_.endpoints) {
    if (endpoint.port == 0 || std::find(ports.begin(), ports.end(), endpoint.port) != ports.end()) continue;
    ports.push_back(endpoint.port);
    for (const auto& other : config_.endpoints) {
      if (other.port == endpoint.port && !(other.tls == endpoint.tls)) {
        error = "endpoints " + endpoint.path + " and " + other.path + " share port " + std::to_string(endpoint.port) +
                " but not their TLS settings";
        return false;
      }
    }
    transport::TlsContext* tls = nullptr;
    if (endpoint.tls.enabled()) {
      tls = tls_context(endpoint.tls, error);
      if (tls == nullptr) return false;
    }
    if (listen_everywhere(endpoint.port, 0, tls, error) == 0) return false;
  }
  for (const auto& endpoint : config_.endpoints) {
    for (const auto& d : dialects_) {
      if (d->name() != endpoint.dialect) continue;
      uint16_t port = endpoint.port != 0 ? endpoint.port : main_port_;
      Endpoint route{d.get(), config_.deflate,
                     endpoint.allowed_origins ? *endpoint.allowed_origins : config_.allowed_origins};
      if (endpoint.compression >= 0) route.deflate.enabled = endpoint.compression == 1;
      endpoints_[std::to_string(port) + " " + endpoint.path] = route;
    }
  }
  return true;
}

void Server::reload_jwks() {
  if (jwks_) jwks_->reload();
}

bool Server::reload_tls() {
  bool all = true;
  for (const auto& context : tls_contexts_) {
    std::string error;
    if (context->reload(error)) {
      log::info("tls.reloaded", {{"cert", context->settings().cert_file}});
    } else {
      log::error("tls.reload_failed", {{"error", error}});
      all = false;
    }
  }
  return all;
}

void Server::start() {
  started_ms_ = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::steady_clock::now().time_since_epoch())
                                          .count());
  decisions_->start();  // deadlines armed on their loops' first turn
  decisions_->start_sweeping();  // a cluster's deadlines left by a node that died
  for (auto& worker : workers_) worker->start();
}

void Server::stop() {
  for (auto& worker : workers_) worker->begin_shutdown();
  for (auto& worker : workers_) worker->join();
  hub_.broker().shutdown();
}

int Server::run() {
  // Signals are taken synchronously by this thread; the loops never see them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGUSR1);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  start();
  log::info("server.listening", {{"host", config_.host},
                                 {"port", std::to_string(port())},
                                 {"threads", std::to_string(workers_.size())},
                                 {"write_path", workers_[0]->loop().uring_writer() != nullptr ? "io_uring" : "send"}});
  int received = 0;
  for (;;) {
    sigwait(&signals, &received);
    if (received == SIGHUP) {
      // Certificates renewed on disk: new connections get them, open ones carry on.
      reload_tls();
      reload_jwks();
      continue;
    }
    if (received != SIGUSR1) break;
    // SIGUSR1 toggles maintenance mode; the announcement is published from loop 0.
    bool enable = !maintenance_.load();
    Worker& first = *workers_.front();
    first.loop().post([this, enable, &first] {
      hub_api_->set_maintenance(enable, "the service is in maintenance; try again later", first.loop(), 0);
    });
    log::info("server.maintenance", {{"enabled", enable ? "true" : "false"}});
  }
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
  // Channels whose stream this node keeps (history and position): a record per channel
  // that published, freed once its history expired and nobody here follows it.
  if (memory_broker_ != nullptr) extras.extra_gauges.emplace_back("switchboard_history_streams", memory_broker_->stream_count());
  if (cluster_broker_ != nullptr) {
    extras.extra_counters.emplace_back("switchboard_broker_errors_total", cluster_broker_->errors());
    extras.extra_counters.emplace_back("switchboard_broker_reconnects_total", cluster_broker_->reconnects());
    // Messages to other nodes (forwarded Engine.IO requests) dropped while Redis was unreachable.
    extras.extra_counters.emplace_back("switchboard_relay_dropped_total", cluster_broker_->relay().dropped());
  }
  if (workers_[0]->loop().uring_writer() != nullptr) {
    // Sends per submission: how many connections' writes each trip into the kernel carried.
    uint64_t submissions = 0, sends = 0;
    for (const auto& worker : workers_) {
      if (const transport::UringWriter* writer = worker->loop().uring_writer()) {
        submissions += writer->submissions();
        sends += writer->sends();
      }
    }
    extras.extra_counters.emplace_back("switchboard_uring_submissions_total", submissions);
    extras.extra_counters.emplace_back("switchboard_uring_sends_total", sends);
  }
  extras.extra_gauges.emplace_back("switchboard_jwt_keys", jwt_->key_count());
  extras.extra_counters.emplace_back("switchboard_jwt_unknown_kid_total", jwt_->unknown_kids());
  if (jwks_) {
    extras.extra_counters.emplace_back("switchboard_jwks_refreshes_total", jwks_->refreshes());
    extras.extra_counters.emplace_back("switchboard_jwks_refresh_errors_total", jwks_->failures());
  }
  if (!tls_contexts_.empty()) {
    uint64_t handshakes = 0, resumed = 0, errors = 0, timeouts = 0, plain = 0, reloads = 0, reload_errors = 0;
    for (const auto& context : tls_contexts_) {
      const transport::TlsCounters& c = context->counters();
      handshakes += c.handshakes.load(std::memory_order_relaxed);
      resumed += c.resumed.load(std::memory_order_relaxed);
      errors += c.handshake_errors.load(std::memory_order_relaxed);
      timeouts += c.handshake_timeouts.load(std::memory_order_relaxed);
      plain += c.plain_http.load(std::memory_order_relaxed);
      reloads += c.reloads.load(std::memory_order_relaxed);
      reload_errors += c.reload_errors.load(std::memory_order_relaxed);
    }
    extras.extra_counters.emplace_back("switchboard_tls_handshakes_total", handshakes);
    extras.extra_counters.emplace_back("switchboard_tls_resumed_total", resumed);
    extras.extra_counters.emplace_back("switchboard_tls_handshake_errors_total", errors);
    extras.extra_counters.emplace_back("switchboard_tls_handshake_timeouts_total", timeouts);
    extras.extra_counters.emplace_back("switchboard_tls_plain_http_total", plain);
    extras.extra_counters.emplace_back("switchboard_tls_reloads_total", reloads);
    extras.extra_counters.emplace_back("switchboard_tls_reload_errors_total", reload_errors);
  }
  return observability::render_prometheus(loops, bytes_in, bytes_out, extras);
}

std::string Server::render_stats() const {
  std::vector<const observability::LoopMetrics*> loops;
  for (const auto& worker : workers_) loops.push_back(&worker->metrics());
  observability::MetricsSnapshot extras;
  extras.fanout_deliveries = hub_.total_deliveries();
  extras.extra_gauges.emplace_back("subscriptions", hub_.total_subscriptions());
  extras.extra_counters.emplace_back("publications", hub_.total_publications());
  extras.extra_counters.emplace_back("deliveries", hub_.total_deliveries());
  uint64_t now = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  return observability::render_stats_json(loops, messages_per_second(), now, extras);
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
  std::string problem = hub_.broker().problem();
  json::ObjectWriter w(out);
  w.string("status", problem.empty() ? "ok" : "degraded");
  if (!problem.empty()) w.string("reason", problem);
  w.string("version", SWITCHBOARD_VERSION).number("connections", static_cast<int64_t>(connections))
      .number("uptimeSeconds", static_cast<int64_t>((now - started_ms_) / 1000)).end();
  return out;
}

}  // namespace sb::server

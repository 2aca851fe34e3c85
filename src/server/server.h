#pragma once
#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "api/http_api.h"
#include "auth/channel_policy.h"
#include "auth/jwt.h"
#include "auth/jwks_refresher.h"
#include "config/config.h"
#include "dialects/dialect.h"
#include "hub/channel_occupancy.h"
#include "hub/connection_registry.h"
#include "hub/hub.h"
#include "hub/memory_broker.h"
#include "hub/presence.h"
#include "store/notification_store.h"
#include "store/decision_store.h"
#include "features/decisions/decision_service.h"
#include "features/meetings/meeting_service.h"
#include "hub/connection_limiter.h"
#include "transport/loop_group.h"
#include "transport/descriptor_reserve.h"
#include "transport/tls_context.h"
#include "server/endpoint.h"
#include "transport/work_pool.h"

namespace sb::cluster {
class RedisBroker;
}

namespace sb::server {

class Worker;

// The assembled gateway: configuration, keys, policy, hub, dialects by endpoint, the HTTP
// API and one Worker per thread. main() builds one and calls run().
class Server {
 public:
  // Validates configuration and keys; returns nullptr with error set when it cannot start.
  static std::unique_ptr<Server> create(config::Config config, std::string& error);
  ~Server();

  // Binds every worker's listener, TLS ones with their certificates loaded. Returns false
  // with error set (port in use, unreadable or mismatched certificate files...).
  bool listen(std::string& error);
  // Reads the JWKS document again at once (SIGHUP), when one is configured.
  void reload_jwks();
  // Reads every TLS certificate and key again (SIGHUP); open connections keep theirs.
  // Returns false when one failed (that port keeps its previous pair), errors logged.
  bool reload_tls();
  // Runs until SIGINT or SIGTERM, then shuts down gracefully. Returns the exit code.
  int run();
  // Starts the workers without waiting for signals (tests); stop() ends them.
  void start();
  void stop();

  const config::Config& config() const { return config_; }
  const auth::JwtCodec& jwt() const { return *jwt_; }
  const auth::ChannelPolicy& policy() const { return policy_; }
  hub::Hub& hub() { return hub_; }
  api::HttpApi& api() { return *api_; }
  hub::ConnectionLimiter& limiter() { return limiter_; }
  hub::ChannelOccupancy& occupancy() { return occupancy_; }
  hub::ConnectionRegistry& registry() { return registry_; }
  hub::PresenceTracker& presence() { return presence_; }
  store::NotificationStore* notifications() { return notifications_.get(); }
  const std::atomic<bool>& maintenance() const { return maintenance_; }
  transport::WorkPool& work_pool() { return work_pool_; }
  transport::DescriptorReserve& descriptor_reserve() { return descriptor_reserve_; }
  // The endpoint of path on the given local port, or nullptr.
  const Endpoint* endpoint_for(uint16_t port, std::string_view path) const;
  // The worker running loop `index` (0 <= index < worker_count()).
  Worker& worker(size_t index) { return *workers_[index]; }
  size_t worker_count() const { return workers_.size(); }
  // Every dialect (loops call their per-loop hooks).
  const std::vector<std::unique_ptr<dialects::Dialect>>& dialects() const { return dialects_; }
  // The main port (the one endpoints without a port of their own use).
  uint16_t port() const { return main_port_; }

  std::string render_metrics() const;
  std::string render_health() const;
  // The console's stats object (GET /api/stats): the counters of /metrics as JSON.
  std::string render_stats() const;
  uint64_t messages_per_second() const;

 private:
  explicit Server(config::Config config);
  std::string dialect_names() const;
  // The TLS context serving settings, created on first use (ports sharing files share it).
  transport::TlsContext* tls_context(const transport::TlsSettings& settings, std::string& error);
  // Binds port on every worker; endpoint_port 0: its endpoints are the bound port's own.
  // Returns the bound port, 0 with error set.
  uint16_t listen_everywhere(uint16_t port, uint16_t endpoint_port, transport::TlsContext* tls, std::string& error);

  config::Config config_;
  std::unique_ptr<auth::JwtCodec> jwt_;
  std::unique_ptr<auth::JwksRefresher> jwks_;  // after jwt_: stops before the codec goes
  auth::ChannelPolicy policy_;
  hub::Hub hub_;
  cluster::RedisBroker* cluster_broker_ = nullptr;  // owned by hub_ when clustered
  hub::MemoryBroker* memory_broker_ = nullptr;      // owned by hub_ on a single node
  std::atomic<bool> workers_ready_{false};          // workers_ is complete (the broker reads totals)
  hub::ConnectionLimiter limiter_;
  transport::DescriptorReserve descriptor_reserve_;  // shared by every loop's listeners
  hub::ChannelOccupancy occupancy_;
  hub::ConnectionRegistry registry_;
  hub::PresenceTracker presence_;
  std::unique_ptr<store::NotificationStore> notifications_;  // SQLite on one node, Redis in a cluster
  std::atomic<bool> maintenance_{false};
  std::unique_ptr<api::HubApi> hub_api_;
  std::unique_ptr<api::HttpApi> api_;
  std::vector<std::unique_ptr<dialects::Dialect>> dialects_;
  std::unordered_map<std::string, Endpoint> endpoints_;  // "<port> <path>"
  uint16_t main_port_ = 0;
  std::vector<std::unique_ptr<transport::TlsContext>> tls_contexts_;
  std::vector<std::unique_ptr<Worker>> workers_;
  // Feature modules; after the workers, so they go first: their writer thread posts to loops.
  std::unique_ptr<transport::LoopGroup> loops_;
  std::unique_ptr<store::DecisionStore> decision_store_;  // SQLite on one node, Redis in a cluster
  std::unique_ptr<store::MeetingStore> meeting_store_;  // in memory on one node, Redis in a cluster
  std::unique_ptr<features::meetings::MeetingService> meetings_;
  std::unique_ptr<features::decisions::DecisionService> decisions_;
  std::unique_ptr<api::FeaturesApi> features_api_;
  uint64_t started_ms_ = 0;
  // Blocking work (store writes, session look-ups) runs here, and password hashing on its
  // own bounded pool, never on a loop. Last members, so they are joined first: their tasks
  // post results to loops that still exist.
  transport::WorkPool work_pool_{4};
  std::unique_ptr<transport::WorkPool> password_pool_;
  std::unique_ptr<transport::WorkPool> action_pool_;  // calls to the actions backend, apart from the rest
};

}  // namespace sb::server

#pragma once
#include <cstdint>
#include <functional>
#include <string>

#include "api/console_site.h"
#include "api/features_api.h"
#include "api/hub_api.h"
#include "api/login_limiter.h"
#include "auth/channel_policy.h"
#include "auth/jwt.h"
#include "config/config.h"
#include "hub/hub.h"
#include "hub/presence.h"
#include "store/notification_store.h"
#include "protocol/http/http_request.h"
#include "protocol/http/response.h"
#include "transport/event_loop.h"
#include "transport/work_pool.h"

namespace sb::api {

// Delivers the response to a request; may be called later (on the same loop) for routes
// that do blocking work elsewhere.
using Respond = std::function<void(protocol::http::HttpResponse)>;

// The HTTP API next to the WebSocket endpoints: /health, /metrics, /api/stats, the web
// console (/console, ConsoleSite), GET /api/presence, POST /api/publish
// (backends, API key), POST /api/messages (seed's message broadcast), POST
// /api/auth/login and /api/auth/refresh, the hub API under /api/hub/ (HubApi), and the
// meetings and decisions API (FeaturesApi). Shared by all loops; handle() runs on the loop
// that received the request and publishes from that loop's hub shard.
class HttpApi {
 public:
  // The server's own views of itself: Prometheus text (/metrics), the health object
  // (/health) and the console's stats object (/api/stats), rendered on demand.
  struct Views {
    std::function<std::string()> metrics;
    std::function<std::string()> health;
    std::function<std::string()> stats;
  };

  // pool: blocking work (the store); password_pool: password hashing only, bounded by
  // config.password_hash_queue, so a login flood cannot delay anything else.
  HttpApi(const config::Config& config, const auth::JwtCodec& jwt, const auth::ChannelPolicy& policy, hub::Hub& hub,
          transport::WorkPool& pool, transport::WorkPool& password_pool, HubApi& hub_api, FeaturesApi& features_api,
          store::NotificationStore* notifications, const hub::PresenceTracker& presence, Views views);

  // Answers one request through respond (now or later, on this loop). client_address: the
  // peer's address bytes, for per-address limits.
  void handle(const protocol::http::HttpRequest& request, transport::EventLoop& loop, size_t shard_index,
              std::string_view client_address, Respond respond);

 private:
  // Publishes; a NOTIFICATION to a user is stored first (on the work pool) and answered
  // once it is durable.
  void publish(const protocol::http::HttpRequest& request, transport::EventLoop& loop, size_t shard_index,
               Respond respond);
  using Publications = std::vector<std::shared_ptr<hub::Publication>>;
  // POST /api/updates (API key): {companyId, artifactId?, requestId?, action, data} to the
  // company's channel, or only its artifact's, as an UPDATE. Returns the answer and fills
  // `out` with what to publish (nothing on an error answer).
  protocol::http::HttpResponse post_update(const protocol::http::HttpRequest& request, transport::EventLoop& loop,
                                           Publications& out);
  // POST /api/messages: the seed's message to its topics, as post_update.
  protocol::http::HttpResponse post_message(const protocol::http::HttpRequest& request, transport::EventLoop& loop,
                                            Publications& out);
  // Publishes every publication and sends `answer` once the broker accepted all of them (in
  // a cluster: Redis holds them, so a backend told 2xx loses nothing to a node crash), or
  // 503 when it refused one. With nothing to publish, answers at once.
  void answer_when_accepted(protocol::http::HttpResponse answer, Publications publications, size_t shard_index,
                            Respond respond);
  // Checks the per-address and per-account limits (429 with Retry-After), then hashes on
  // the password pool (503 when its queue is full).
  void login(const protocol::http::HttpRequest& request, transport::EventLoop& loop, std::string_view client_address,
             Respond respond);
  protocol::http::HttpResponse refresh(const protocol::http::HttpRequest& request, transport::EventLoop& loop);
  bool has_api_key(const protocol::http::HttpRequest& request) const;
  // GET /api/presence: with the API key, or a user token allowed to subscribe to the channel.
  void presence(const protocol::http::HttpRequest& request, transport::EventLoop& loop, size_t shard_index,
                Respond respond);

  const config::Config& config_;
  const auth::JwtCodec& jwt_;
  const auth::ChannelPolicy& policy_;
  hub::Hub& hub_;
  transport::WorkPool& pool_;
  transport::WorkPool& password_pool_;
  LoginLimiter login_limiter_;
  HubApi& hub_api_;
  FeaturesApi& features_api_;
  store::NotificationStore* notifications_;
  const hub::PresenceTracker& presence_;
  Views views_;
  ConsoleSite console_;
};

// Random RFC 4122 version-4 UUID text.
std::string make_uuid();

}  // namespace sb::api

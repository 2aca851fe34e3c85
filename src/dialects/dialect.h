#pragma once
#include <atomic>
#include <cstddef>
#include <functional>
#include <optional>
#include <memory>
#include <string>
#include <string_view>

#include "auth/channel_policy.h"
#include "auth/jwt.h"
#include "hub/channel_occupancy.h"
#include "hub/connection_limiter.h"
#include "hub/connection_registry.h"
#include "hub/hub.h"
#include "hub/presence.h"
#include "store/notification_store.h"
#include "transport/work_pool.h"
#include "observability/metrics.h"
#include "protocol/http/http_request.h"
#include "protocol/http/response.h"
#include "protocol/websocket/websocket_connection.h"
#include "transport/event_loop.h"

namespace sb::dialects {

// Per-connection limits a dialect enforces.
struct SessionLimits {
  size_t max_subscriptions = 1000;
  uint32_t messages_per_second = 100;   // messages a client may send per second (topics, envelope)
  uint32_t cursor_max_per_second = 20;  // cursor updates delivered per connection and channel
  uint32_t typing_timeout_ms = 5000;    // a typing indicator without news ends by itself
  // The largest message a client may send (server.max_message_size): a WebSocket message,
  // or a Socket.IO packet and its attachments together.
  size_t max_message_size = 1024 * 1024;
};

// What a dialect session may use: everything belongs to the loop the connection lives on
// (hub shard, metrics) or is shared read-only (codec, policy).
struct SessionContext {
  transport::EventLoop& loop;
  hub::Hub& hub;
  size_t shard_index;
  const auth::JwtCodec& jwt;
  const auth::ChannelPolicy& policy;
  observability::LoopMetrics& metrics;
  hub::ChannelOccupancy& occupancy;
  hub::ConnectionRegistry& registry;
  hub::PresenceTracker& presence;
  SessionLimits limits;
  transport::WorkPool& pool;                    // for blocking work (the store)
  store::NotificationStore* notifications;     // nullptr when no store is configured
  const std::atomic<bool>& maintenance;         // the operator's maintenance switch
  hub::ConnectionLimiter& limiter;              // per-address connection slots (all loops)

  hub::HubShard& shard() const { return hub.shard(shard_index); }
};

// The outcome of authenticating an upgrade request.
struct UpgradeAuth {
  int refuse_status = 0;       // non-zero: answer this HTTP status instead of upgrading
  std::string refuse_reason;
  auth::IdentityPtr identity;  // who connects (anonymous when unknown)
  std::string refuse_body;     // the refusal's JSON body in the dialect's own format (else a generic one)
};
using UpgradeAuthDone = std::function<void(UpgradeAuth)>;

// The answer channel of a plain HTTP request on a dialect's endpoint. send() may be called
// later (a long poll) and at most once; connected() says whether the client still waits.
struct HttpReply {
  std::function<void(protocol::http::HttpResponse)> send;
  std::function<bool()> connected;
};

// Who sent a plain HTTP request, for per-address limits.
struct HttpPeer {
  std::string address_key;  // address bytes, as hub::ConnectionLimiter keys them
};

// The identity of the JWT in the request's `token` query parameter (seeds 000 and 003),
// anonymous when there is none or it does not verify; status (if given) says why (kOk
// without a token).
auth::IdentityPtr identity_from_url_token(SessionContext& context, const protocol::http::HttpRequest& request,
                                          auth::JwtStatus* status = nullptr);
// Whether the request carried a `token` query parameter that did not give `identity` (the
// result of identity_from_url_token): the dialect tells the client in its own words.
bool url_token_failed(const protocol::http::HttpRequest& request, const auth::Identity& identity);

// A wire protocol spoken on an endpoint. One instance per dialect, shared by all loops.
class Dialect {
 public:
  virtual ~Dialect() = default;
  virtual std::string_view name() const = 0;
  // Decides who is connecting from the upgrade request (a cookie, a token in the URL)
  // before the handshake completes. Calls done on the loop thread, possibly later (a
  // session backend lookup). allowed_origins: the endpoint's allow-list, for dialects
  // that authenticate browsers by cookie. The default lets everyone in anonymously.
  virtual void authenticate_upgrade(SessionContext& context, const protocol::http::HttpRequest& request,
                                    const std::vector<std::string>& allowed_origins,
                                    UpgradeAuthDone done);
  // Whether the dialect takes connections in maintenance mode to tell them so in its own
  // format (otherwise the upgrade is refused with 503).
  virtual bool speaks_during_maintenance() const { return false; }
  // The dialect's own heartbeat, or nullopt for the server's configured one.
  virtual std::optional<protocol::websocket::KeepAlive> keep_alive() const { return std::nullopt; }
  // Plain HTTP requests on the dialect's endpoint (Engine.IO's long-polling). Returns false
  // when the dialect speaks WebSocket only (the server then answers 426).
  virtual bool serve_http(SessionContext& /*context*/, const protocol::http::HttpRequest& /*request*/,
                          const HttpPeer& /*peer*/, HttpReply /*reply*/) {
    return false;
  }
  // The loop that must serve this request, when it names state that lives on one loop (an
  // Engine.IO session id); nullopt when any loop may. The server hands the connection over.
  virtual std::optional<size_t> owning_loop(const protocol::http::HttpRequest& /*request*/) const {
    return std::nullopt;
  }
  // Called on every sweep tick of each loop (sessions without a connection of their own).
  virtual void on_loop_sweep(SessionContext& /*context*/, uint64_t /*now_ms*/) {}
  // The loop is shutting down: end the sessions it holds that no connection holds.
  virtual void on_loop_shutdown(SessionContext& /*context*/) {}
  // Creates the session for a connection whose handshake on this dialect's endpoint
  // succeeded. connection_id is unique on this node.
  virtual std::unique_ptr<protocol::websocket::WebSocketHandler> create_session(
      SessionContext& context, const protocol::http::HttpRequest& upgrade_request, auth::IdentityPtr identity,
      std::string connection_id) = 0;
};

}  // namespace sb::dialects

#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "auth/channel_policy.h"
#include "auth/jwt.h"
#include "protocol/websocket/permessage_deflate.h"
#include "transport/tls_settings.h"

namespace sb::config {

// A WebSocket endpoint: requests to `path` speak `dialect`.
struct EndpointConfig {
  std::string path;
  std::string dialect;
  uint16_t port = 0;  // 0: the server's main port
  // TLS on the endpoint's own port (tls_cert, tls_key, tls_ca, tls_min_version); every
  // endpoint of that port must agree. The main port's TLS is set in [server].
  transport::TlsSettings tls;
  int compression = -1;  // permessage-deflate here: 1 on, 0 off, -1 as [server] compression
  // Pages that may use this endpoint, replacing server.allowed_origins here when set.
  std::optional<std::vector<std::string>> allowed_origins;
};

// An account for the login endpoint.
struct UserRecord {
  std::string id;
  std::string email;
  std::string name;
  std::string password_hash;
  std::vector<std::string> roles;
  std::vector<std::string> permissions;
};

// A room of the `rooms` dialect: a channel with a minimum role and an optional capacity.
struct RoomConfig {
  std::string name;
  std::string min_role;          // empty: any authenticated user
  uint32_t max_connections = 0;  // 0: unlimited
  bool is_public = false;        // anonymous connections may join
};

// Settings of the `rooms` dialect (seed 004).
struct RoomsConfig {
  std::string cookie_name = "pm-session";
  std::string session_url;            // backend resolving opaque session ids; empty: JWT cookies only
  uint32_t session_timeout_ms = 2000;
  uint32_t session_cache_ms = 30000;
  uint32_t max_messages = 60;         // per window per connection
  uint32_t window_ms = 60000;
  uint32_t max_connections_per_user = 5;
  uint32_t max_rooms_per_connection = 10;
  uint32_t heartbeat_interval_ms = 30000;
  uint32_t heartbeat_timeout_ms = 10000;
  std::vector<RoomConfig> rooms;
};

// Settings of the `socketio` dialect (seed 001).
struct SocketIoConfig {
  uint32_t ping_interval_ms = 25000;  // Engine.IO heartbeat: the server pings this often
  uint32_t ping_timeout_ms = 20000;   // and closes when the pong is this late
  uint32_t max_payload = 1000000;     // announced in the open packet
  uint32_t max_messages = 60;         // REQUESTs per window per connection
  uint32_t window_ms = 10000;
  std::string actions_url;             // SWITCHBOARD_ACTIONS_URL: where other actions are forwarded
  uint32_t action_timeout_ms = 10000;  // SWITCHBOARD_ACTION_TIMEOUT_MS
  uint32_t max_actions_in_flight = 16; // per connection
  uint32_t max_connections_per_user = 100;  // connected Socket.IO sessions per user (0: no limit)
  // Connection state recovery (`socket.recovered`): a pid at CONNECT and an offset after
  // every event, when every channel of the session keeps history.
  bool connection_state_recovery = true;
};

// Settings of the `events` dialect (seed 003): its per-action rate limits and meetings.
struct EventsConfig {
  uint32_t max_messages_per_minute = 100;  // per connection, every message but pings and cursors
  uint32_t max_joins_per_minute = 5;       // meeting.join
  uint32_t max_chat_per_minute = 30;       // meeting.chat.message
  uint32_t max_votes_per_minute = 10;      // decision.vote.cast
  uint32_t max_cursor_per_second = 60;     // collaboration.cursor
  uint32_t vote_update_interval_ms = 100;  // decision.vote.update at most this often per decision
  std::string meeting_host_role = "admin"; // needed to join a meeting as presenter or host
};

// The most publications one channel's history may keep.
inline constexpr uint32_t kMaxHistorySize = 100000;

// The HS256 secret of the embedded default configuration: fine on a laptop, never in
// production (the server warns while it is in use).
inline constexpr std::string_view kDevelopmentSecret = "switchboard-development-secret-change-me";

struct Config {
  // [server]
  std::string host = "0.0.0.0";
  uint16_t port = 3000;
  unsigned threads = 0;
  // How a loop turn's output leaves: "io_uring" (one submission for all of them; falls back
  // to send when the kernel refuses a ring) or "send" (one send() per connection).
  std::string write_path = "io_uring";
  bool websocket_enabled = true;
  uint32_t max_connections_per_ip = 100;
  size_t max_message_size = 1024 * 1024;
  size_t max_send_buffer = 8 * 1024 * 1024;
  uint32_t ping_interval_ms = 30000;
  uint32_t ping_timeout_ms = 60000;
  size_t max_header_bytes = 16 * 1024;
  size_t max_body_bytes = 1024 * 1024;
  uint32_t max_accepts_per_ip_per_second = 100;  // new connections per client address (0 = unlimited)
  uint32_t max_messages_per_second = 100;       // per connection (topics, envelope)
  uint32_t request_head_timeout_ms = 10000;     // a request's line and headers must arrive within this
  uint32_t request_body_timeout_ms = 30000;     // and its body within this after the headers
  std::vector<std::string> allowed_origins;
  std::vector<std::string> subprotocols;  // offered in Sec-WebSocket-Protocol, in preference order
  // TLS of the main port (tls_cert, tls_key, tls_ca, tls_min_version). With tls_port set,
  // the main port stays plain and tls_port serves the same endpoints over TLS.
  transport::TlsSettings tls;
  uint16_t tls_port = 0;
  // permessage-deflate: on by default (compression), for messages of compression_threshold
  // bytes and more, without per-connection contexts unless opted in.
  protocol::websocket::DeflateSettings deflate;
  // [pubsub]
  std::string pubsub_adapter = "memory";
  std::string pubsub_redis_url = "redis://localhost:6379";
  std::string pubsub_redis_prefix = "switchboard:";  // before every Redis key and channel
  uint32_t history_meta_ttl_s = 86400;  // a stream idle this long forgets its offset and epoch
  std::vector<EndpointConfig> endpoints;
  // [jwt]
  auth::JwtSettings jwt;
  int64_t access_token_ttl = 3600;
  int64_t refresh_token_ttl = 604800;
  // [api]
  std::string api_key;
  uint32_t login_attempts_per_minute = 10;  // per client address and per account (0 = unlimited)
  uint32_t password_hash_threads = 2;       // threads hashing passwords, apart from other work
  uint32_t password_hash_queue = 64;        // logins waiting for a hash; more get 503
  // [log]
  std::string log_level = "info";
  std::string log_format = "json";
  // [roles], [channels]
  std::vector<std::string> role_hierarchy;
  auth::AccessRule default_subscribe;
  auth::AccessRule default_publish;
  std::vector<auth::ChannelRule> channel_rules;
  std::vector<UserRecord> users;
  // [rooms]
  RoomsConfig rooms;
  // [socketio]
  SocketIoConfig socketio;
  // [events]
  EventsConfig events;
  // [presence], [collaboration]
  std::vector<std::string> presence_channels;  // patterns of channels that track presence
  // In a cluster: members of a node that stopped answering leave after this (heartbeats
  // every third of it). PRESENCE_TTL_MS.
  uint32_t presence_ttl_ms = 30000;
  uint32_t cursor_max_per_second = 20;
  uint32_t typing_timeout_ms = 5000;
  // [store]
  std::string store_path = "switchboard.db";  // SQLite file for what must survive a restart
};

// The configuration compiled into the binary (config/switchboard.toml).
std::string_view embedded_default_toml();

// Parses TOML text into config (fields absent from the text keep their defaults).
// Returns false with a message naming the file and line on error.
bool parse_toml(std::string_view text, std::string_view source_name, Config& config, std::string& error);

// Loads the configuration: the file at path (or the embedded default when path is empty),
// then the environment overrides (WEBSOCKET_*, PUBSUB_*, JWT_*, SWITCHBOARD_API_KEY) and
// key files. Returns false with a readable error.
bool load(const std::string& path, Config& config, std::string& error);

// Applies environment overrides from getenv; exposed for tests.
bool apply_environment(Config& config, std::string& error);

}  // namespace sb::config

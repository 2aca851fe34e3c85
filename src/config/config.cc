#include "config/config.h"

// The packaged toml++ is built with exceptions; they stay inside parse_toml (start-up only).
#include <toml++/toml.h>

#include <charconv>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "config/channels_section.h"
#include "config/embedded_default.h"
#include "hub/topic.h"

namespace sb::config {

namespace {

std::vector<std::string> string_list(const toml::node_view<const toml::node>& node) {
  std::vector<std::string> out;
  if (const toml::array* array = node.as_array()) {
    for (const auto& item : *array) {
      if (auto s = item.value<std::string>()) out.push_back(*s);
    }
  }
  return out;
}

bool read_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream buffer;
  buffer << in.rdbuf();
  out = buffer.str();
  return true;
}

template <typename T>
bool env_number(const char* name, T& out, std::string& error) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return true;
  std::string_view text(value);
  T parsed{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
  if (ec != std::errc() || end != text.data() + text.size()) {
    error = std::string(name) + " must be a number, got \"" + value + "\"";
    return false;
  }
  out = parsed;
  return true;
}

// Reads tls_cert, tls_key, tls_ca and tls_min_version of a table into tls.
template <typename Table>
void read_tls(const Table& table, transport::TlsSettings& tls) {
  tls.cert_file = table["tls_cert"].value_or(tls.cert_file);
  tls.key_file = table["tls_key"].value_or(tls.key_file);
  tls.ca_file = table["tls_ca"].value_or(tls.ca_file);
  tls.min_version = table["tls_min_version"].value_or(tls.min_version);
}

// Reads an unsigned number of a section into field, keeping its default when absent.
void read_u32(const toml::node_view<const toml::node>& section, const char* key, uint32_t& field) {
  field = static_cast<uint32_t>(section[key].value_or(int64_t{field}));
}

void env_string(const char* name, std::string& out) {
  const char* value = std::getenv(name);
  if (value != nullptr && *value != '\0') out = value;
}

// true/1 or false/0; anything else is an error naming the variable.
bool env_bool(const char* name, bool& out, std::string& error) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return true;
  std::string_view v(value);
  if (v == "true" || v == "1") {
    out = true;
  } else if (v == "false" || v == "0") {
    out = false;
  } else {
    error = std::string(name) + " must be true or false, got \"" + value + "\"";
    return false;
  }
  return true;
}

}  // namespace

std::string_view embedded_default_toml() { return kEmbeddedDefaultToml; }

bool parse_toml(std::string_view text, std::string_view source_name, Config& config, std::string& error) {
  toml::table parsed;
  try {
    parsed = toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    std::ostringstream message;
    message << source_name << ":" << e.source().begin.line << ": " << e.description();
    error = message.str();
    return false;
  }
  const toml::table& root = parsed;
  const auto server = root["server"];
  config.host = server["host"].value_or(config.host);
  config.port = static_cast<uint16_t>(server["port"].value_or(int64_t{config.port}));
  config.threads = static_cast<unsigned>(server["threads"].value_or(int64_t{config.threads}));
  config.write_path = server["write_path"].value_or(config.write_path);
  config.websocket_enabled = server["websocket_enabled"].value_or(config.websocket_enabled);
  config.max_connections_per_ip =
      static_cast<uint32_t>(server["max_connections_per_ip"].value_or(int64_t{config.max_connections_per_ip}));
  config.max_message_size = static_cast<size_t>(server["max_message_size"].value_or(int64_t(config.max_message_size)));
  config.max_send_buffer = static_cast<size_t>(server["max_send_buffer"].value_or(int64_t(config.max_send_buffer)));
  config.ping_interval_ms = static_cast<uint32_t>(server["ping_interval_ms"].value_or(int64_t{config.ping_interval_ms}));
  config.ping_timeout_ms = static_cast<uint32_t>(server["ping_timeout_ms"].value_or(int64_t{config.ping_timeout_ms}));
  config.max_header_bytes = static_cast<size_t>(server["max_header_bytes"].value_or(int64_t(config.max_header_bytes)));
  config.max_body_bytes = static_cast<size_t>(server["max_body_bytes"].value_or(int64_t(config.max_body_bytes)));
  auto server_u32 = [&](const char* key, uint32_t& field) { read_u32(server, key, field); };
  server_u32("max_accepts_per_ip_per_second", config.max_accepts_per_ip_per_second);
  server_u32("max_messages_per_second", config.max_messages_per_second);
  server_u32("request_head_timeout_ms", config.request_head_timeout_ms);
  server_u32("request_body_timeout_ms", config.request_body_timeout_ms);
  if (server["allowed_origins"]) config.allowed_origins = string_list(server["allowed_origins"]);
  if (server["subprotocols"]) config.subprotocols = string_list(server["subprotocols"]);
  read_tls(server, config.tls);
  config.deflate.enabled = server["compression"].value_or(config.deflate.enabled);
  config.deflate.threshold =
      static_cast<size_t>(server["compression_threshold"].value_or(int64_t(config.deflate.threshold)));
  config.deflate.server_context_takeover =
      server["compression_server_context_takeover"].value_or(config.deflate.server_context_takeover);
  config.deflate.client_context_takeover =
      server["compression_client_context_takeover"].value_or(config.deflate.client_context_takeover);
  config.tls_port = static_cast<uint16_t>(server["tls_port"].value_or(int64_t{config.tls_port}));

  config.pubsub_adapter = root["pubsub"]["adapter"].value_or(config.pubsub_adapter);
  config.pubsub_redis_url = root["pubsub"]["redis_url"].value_or(config.pubsub_redis_url);
  config.pubsub_redis_prefix = root["pubsub"]["redis_prefix"].value_or(config.pubsub_redis_prefix);
  read_u32(root["pubsub"], "history_meta_ttl", config.history_meta_ttl_s);

  if (const toml::array* endpoints = root["endpoints"].as_array()) {
    config.endpoints.clear();
    for (const auto& item : *endpoints) {
      const toml::table* t = item.as_table();
      if (t == nullptr) continue;
      EndpointConfig e;
      e.path = (*t)["path"].value_or(std::string());
      e.dialect = (*t)["dialect"].value_or(std::string());
      e.port = static_cast<uint16_t>((*t)["port"].value_or(int64_t{0}));
      read_tls(*t, e.tls);
      if (auto on = (*t)["compression"].value<bool>()) e.compression = *on ? 1 : 0;
      if ((*t)["allowed_origins"]) e.allowed_origins = string_list((*t)["allowed_origins"]);
      if (e.port == 0 && e.tls.enabled()) {
        error = std::string(source_name) + ": endpoint " + e.path +
                " is on the main port, whose TLS is set in [server] (tls_cert, tls_key)";
        return false;
      }
      if (e.path.empty() || e.path[0] != '/' || e.dialect.empty()) {
        error = std::string(source_name) + ": each [[endpoints]] needs a path starting with / and a dialect";
        return false;
      }
      config.endpoints.push_back(std::move(e));
    }
  }

  const auto jwt = root["jwt"];
  if (auto alg = jwt["algorithm"].value<std::string>()) {
    if (!auth::parse_algorithm(*alg, config.jwt.algorithm)) {
      error = std::string(source_name) + ": jwt.algorithm must be HS256, RS256 or ES256";
      return false;
    }
  }
  // secret: one string, or a list for rotation (the first signs, all verify).
  if (const auto* secrets = jwt["secret"].as_array()) {
    std::vector<std::string> list;
    for (const auto& item : *secrets) {
      if (auto secret = item.value<std::string>(); secret && !secret->empty()) list.push_back(*secret);
    }
    if (list.empty()) {
      error = std::string(source_name) + ": jwt.secret must be a string or a list of non-empty strings";
      return false;
    }
    config.jwt.secret = list.front();
    config.jwt.previous_secrets.assign(list.begin() + 1, list.end());
  } else {
    config.jwt.secret = jwt["secret"].value_or(config.jwt.secret);
  }
  config.jwt.kid = jwt["kid"].value_or(config.jwt.kid);
  config.jwt.jwks.file = jwt["jwks_file"].value_or(config.jwt.jwks.file);
  config.jwt.jwks.url = jwt["jwks_url"].value_or(config.jwt.jwks.url);
  config.jwt.jwks.refresh_seconds = jwt["jwks_refresh_seconds"].value_or(config.jwt.jwks.refresh_seconds);
  config.jwt.jwks.min_refresh_seconds = jwt["jwks_min_refresh_seconds"].value_or(config.jwt.jwks.min_refresh_seconds);
  std::string public_key_file = jwt["public_key_file"].value_or(std::string());
  std::string private_key_file = jwt["private_key_file"].value_or(std::string());
  if (!public_key_file.empty() && !read_file(public_key_file, config.jwt.public_key_pem)) {
    error = "cannot read jwt.public_key_file " + public_key_file;
    return false;
  }
  if (!private_key_file.empty() && !read_file(private_key_file, config.jwt.private_key_pem)) {
    error = "cannot read jwt.private_key_file " + private_key_file;
    return false;
  }
  config.jwt.issuer = jwt["issuer"].value_or(config.jwt.issuer);
  config.jwt.audience = jwt["audience"].value_or(config.jwt.audience);
  config.jwt.leeway_seconds = jwt["leeway_seconds"].value_or(config.jwt.leeway_seconds);
  config.jwt.tenant_claim = jwt["tenant_claim"].value_or(config.jwt.tenant_claim);
  config.access_token_ttl = jwt["access_token_ttl"].value_or(config.access_token_ttl);
  config.refresh_token_ttl = jwt["refresh_token_ttl"].value_or(config.refresh_token_ttl);

  const auto api = root["api"];
  config.api_key = api["key"].value_or(config.api_key);
  config.login_attempts_per_minute =
      static_cast<uint32_t>(api["login_attempts_per_minute"].value_or(int64_t{config.login_attempts_per_minute}));
  config.password_hash_threads =
      static_cast<uint32_t>(api["password_hash_threads"].value_or(int64_t{config.password_hash_threads}));
  config.password_hash_queue =
      static_cast<uint32_t>(api["password_hash_queue"].value_or(int64_t{config.password_hash_queue}));
  config.log_level = root["log"]["level"].value_or(config.log_level);
  config.log_format = root["log"]["format"].value_or(config.log_format);
  if (root["roles"]["hierarchy"]) config.role_hierarchy = string_list(root["roles"]["hierarchy"]);

  std::vector<std::string> errors;
  read_channels_section(root, source_name, config, errors);
  if (!errors.empty()) {
    for (const auto& e : errors) error += (error.empty() ? "" : "\n") + e;
    return false;
  }
  if (const toml::array* users = root["users"].as_array()) {
    config.users.clear();
    for (const auto& item : *users) {
      const toml::table* t = item.as_table();
      if (t == nullptr) continue;
      UserRecord u;
      u.id = (*t)["id"].value_or(std::string());
      u.email = (*t)["email"].value_or(std::string());
      u.name = (*t)["name"].value_or(std::string());
      u.password_hash = (*t)["password_hash"].value_or(std::string());
      u.roles = string_list(toml::node_view<const toml::node>((*t)["roles"]));
      u.permissions = string_list(toml::node_view<const toml::node>((*t)["permissions"]));
      config.users.push_back(std::move(u));
    }
  }
  config.store_path = root["store"]["path"].value_or(config.store_path);
  if (root["presence"]["channels"]) config.presence_channels = string_list(root["presence"]["channels"]);
  if (const auto presence = root["presence"]) read_u32(presence, "ttl_ms", config.presence_ttl_ms);
  config.cursor_max_per_second = static_cast<uint32_t>(
      root["collaboration"]["cursor_max_per_second"].value_or(int64_t{config.cursor_max_per_second}));
  config.typing_timeout_ms =
      static_cast<uint32_t>(root["collaboration"]["typing_timeout_ms"].value_or(int64_t{config.typing_timeout_ms}));

  if (const auto sio = root["socketio"]) {
    auto u32 = [&](const char* key, uint32_t& field) { read_u32(sio, key, field); };
    u32("ping_interval_ms", config.socketio.ping_interval_ms);
    u32("ping_timeout_ms", config.socketio.ping_timeout_ms);
    u32("max_payload", config.socketio.max_payload);
    u32("max_messages", config.socketio.max_messages);
    u32("window_ms", config.socketio.window_ms);
    u32("action_timeout_ms", config.socketio.action_timeout_ms);
    u32("max_actions_in_flight", config.socketio.max_actions_in_flight);
    u32("max_connections_per_user", config.socketio.max_connections_per_user);
    config.socketio.actions_url = sio["actions_url"].value_or(config.socketio.actions_url);
    config.socketio.connection_state_recovery =
        sio["connection_state_recovery"].value_or(config.socketio.connection_state_recovery);
  }
  if (const auto ev = root["events"]) {
    auto u32 = [&](const char* key, uint32_t& field) { read_u32(ev, key, field); };
    u32("max_messages_per_minute", config.events.max_messages_per_minute);
    u32("max_joins_per_minute", config.events.max_joins_per_minute);
    u32("max_chat_per_minute", config.events.max_chat_per_minute);
    u32("max_votes_per_minute", config.events.max_votes_per_minute);
    u32("max_cursor_per_second", config.events.max_cursor_per_second);
    u32("vote_update_interval_ms", config.events.vote_update_interval_ms);
    config.events.meeting_host_role = ev["meeting_host_role"].value_or(config.events.meeting_host_role);
    if (config.events.vote_update_interval_ms == 0) config.events.vote_update_interval_ms = 1;
  }
  const auto rooms = root["rooms"];
  if (rooms) {
    RoomsConfig& r = config.rooms;
    auto u32 = [&](const char* key, uint32_t& field) { read_u32(rooms, key, field); };
    r.cookie_name = rooms["cookie_name"].value_or(r.cookie_name);
    r.session_url = rooms["session_url"].value_or(r.session_url);
    u32("session_timeout_ms", r.session_timeout_ms);
    u32("session_cache_ms", r.session_cache_ms);
    u32("max_messages", r.max_messages);
    u32("window_ms", r.window_ms);
    u32("max_connections_per_user", r.max_connections_per_user);
    u32("max_rooms_per_connection", r.max_rooms_per_connection);
    u32("heartbeat_interval_ms", r.heartbeat_interval_ms);
    u32("heartbeat_timeout_ms", r.heartbeat_timeout_ms);
    if (const toml::array* list = rooms["room"].as_array()) {
      r.rooms.clear();
      for (const auto& item : *list) {
        const toml::table* t = item.as_table();
        if (t == nullptr) continue;
        RoomConfig room;
        room.name = (*t)["name"].value_or(std::string());
        room.min_role = (*t)["min_role"].value_or(std::string());
        room.max_connections = static_cast<uint32_t>((*t)["max_connections"].value_or(int64_t{0}));
        room.is_public = (*t)["public"].value_or(false);
        if (room.name.empty()) {
          error = std::string(source_name) + ": each [[rooms.room]] needs a name";
          return false;
        }
        if (!hub::is_valid_channel(room.name) || room.name.find_first_of("{}") != std::string::npos) {
          error = std::string(source_name) + ": room \"" + room.name +
                  "\" must be a channel name (segments separated by . or :, no wildcards or placeholders)";
          return false;
        }
        r.rooms.push_back(std::move(room));
      }
    }
  }
  return true;
}

bool apply_environment(Config& config, std::string& error) {
  if (const char* enabled = std::getenv("WEBSOCKET_ENABLED")) {
    std::string_view v(enabled);
    if (v == "false" || v == "0") config.websocket_enabled = false;
    else if (v == "true" || v == "1") config.websocket_enabled = true;
  }
  env_string("WEBSOCKET_HOST", config.host);
  if (!env_number("WEBSOCKET_PORT", config.port, error)) return false;
  if (!env_number("WEBSOCKET_PING_INTERVAL", config.ping_interval_ms, error)) return false;
  if (!env_number("WEBSOCKET_PING_TIMEOUT", config.ping_timeout_ms, error)) return false;
  if (!env_number("WEBSOCKET_MAX_CONNECTIONS_PER_IP", config.max_connections_per_ip, error)) return false;
  if (!env_number("SWITCHBOARD_MAX_ACCEPTS_PER_IP", config.max_accepts_per_ip_per_second, error)) return false;
  if (!env_number("SWITCHBOARD_MAX_MESSAGES_PER_SECOND", config.max_messages_per_second, error)) return false;
  if (!env_number("WEBSOCKET_MAX_MESSAGE_SIZE", config.max_message_size, error)) return false;
  if (!env_number("SWITCHBOARD_MAX_SEND_BUFFER", config.max_send_buffer, error)) return false;
  env_string("SWITCHBOARD_WRITE_PATH", config.write_path);
  if (const char* origins = std::getenv("SWITCHBOARD_ALLOWED_ORIGINS")) {
    // Comma-separated, as server.allowed_origins (an empty value: none listed).
    config.allowed_origins.clear();
    std::string_view rest(origins);
    while (!rest.empty()) {
      size_t comma = rest.find(',');
      std::string_view item = rest.substr(0, comma);
      while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
      while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
      if (!item.empty()) config.allowed_origins.emplace_back(item);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
  }
  // PEM files that turn TLS on for every port at once (the main one and each endpoint's).
  transport::TlsSettings tls = config.tls;
  env_string("SWITCHBOARD_TLS_CERT", tls.cert_file);
  env_string("SWITCHBOARD_TLS_KEY", tls.key_file);
  env_string("SWITCHBOARD_TLS_CA", tls.ca_file);
  env_string("SWITCHBOARD_TLS_MIN_VERSION", tls.min_version);
  if (!(tls == config.tls)) {
    config.tls = tls;
    for (auto& endpoint : config.endpoints) {
      if (endpoint.port != 0) endpoint.tls = tls;
    }
  }
  if (!env_number("SWITCHBOARD_TLS_PORT", config.tls_port, error)) return false;
  if (!env_bool("SWITCHBOARD_COMPRESSION", config.deflate.enabled, error)) return false;
  if (!env_number("SWITCHBOARD_COMPRESSION_THRESHOLD", config.deflate.threshold, error)) return false;
  env_string("PUBSUB_ADAPTER", config.pubsub_adapter);
  env_string("PUBSUB_REDIS_URL", config.pubsub_redis_url);
  env_string("PUBSUB_REDIS_PREFIX", config.pubsub_redis_prefix);
  if (const char* secret = std::getenv("JWT_SECRET"); secret != nullptr && *secret != '\0') {
    config.jwt.secret = secret;
    config.jwt.previous_secrets.clear();  // the environment names the one secret
  }
  env_string("JWT_KID", config.jwt.kid);
  env_string("JWT_JWKS_FILE", config.jwt.jwks.file);
  env_string("JWT_JWKS_URL", config.jwt.jwks.url);
  env_string("JWT_ISSUER", config.jwt.issuer);
  env_string("JWT_AUDIENCE", config.jwt.audience);
  env_string("JWT_TENANT_CLAIM", config.jwt.tenant_claim);
  if (!env_number("JWT_LEEWAY_SECONDS", config.jwt.leeway_seconds, error)) return false;
  if (const char* alg = std::getenv("JWT_ALGORITHM"); alg != nullptr && *alg != '\0') {
    if (!auth::parse_algorithm(alg, config.jwt.algorithm)) {
      error = "JWT_ALGORITHM must be HS256, RS256 or ES256";
      return false;
    }
  }
  std::string public_key_file, private_key_file;
  env_string("JWT_PUBLIC_KEY_FILE", public_key_file);
  env_string("JWT_PRIVATE_KEY_FILE", private_key_file);
  if (!public_key_file.empty() && !read_file(public_key_file, config.jwt.public_key_pem)) {
    error = "cannot read JWT_PUBLIC_KEY_FILE " + public_key_file;
    return false;
  }
  if (!private_key_file.empty() && !read_file(private_key_file, config.jwt.private_key_pem)) {
    error = "cannot read JWT_PRIVATE_KEY_FILE " + private_key_file;
    return false;
  }
  env_string("SWITCHBOARD_API_KEY", config.api_key);
  env_string("ROOMS_SESSION_URL", config.rooms.session_url);
  env_string("SWITCHBOARD_ACTIONS_URL", config.socketio.actions_url);
  if (!env_number("SWITCHBOARD_ACTION_TIMEOUT_MS", config.socketio.action_timeout_ms, error)) return false;
  if (!env_number("PRESENCE_TTL_MS", config.presence_ttl_ms, error)) return false;
  if (!env_bool("SWITCHBOARD_SOCKETIO_RECOVERY", config.socketio.connection_state_recovery, error)) return false;
  env_string("SWITCHBOARD_DB", config.store_path);
  env_string("LOG_LEVEL", config.log_level);
  return true;
}

bool load(const std::string& path, Config& config, std::string& error) {
  if (path.empty()) {
    if (!parse_toml(embedded_default_toml(), "embedded default", config, error)) return false;
  } else {
    std::string text;
    if (!read_file(path, text)) {
      error = "cannot read config file " + path;
      return false;
    }
    if (!parse_toml(text, path, config, error)) return false;
  }
  if (!apply_environment(config, error)) return false;
  if (config.password_hash_threads == 0) config.password_hash_threads = 1;
  if (config.write_path != "send" && config.write_path != "io_uring") {
    error = "write_path must be send or io_uring, got \"" + config.write_path + "\"";
    return false;
  }
  if (config.max_message_size == 0) {
    error = "max_message_size must be positive";
    return false;
  }
  if (!config.jwt.jwks.file.empty() && !config.jwt.jwks.url.empty()) {
    error = "jwt.jwks_file and jwt.jwks_url are alternatives: set one";
    return false;
  }
  // The built-in development secret is public: once an identity provider's keys are
  // configured it must not also let anyone sign tokens.
  if (config.jwt.jwks.configured() && config.jwt.secret == kDevelopmentSecret) {
    config.jwt.secret.clear();
    config.jwt.previous_secrets.clear();
  }
  return true;
}

}  // namespace sb::config

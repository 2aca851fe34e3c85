#include "api/http_api.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <simdjson.h>

#include <cstdio>

#include "api/history_api.h"
#include "api/json_body.h"
#include "api/presence_api.h"
#include "auth/password.h"
#include "hub/topic.h"
#include "json/json_writer.h"

namespace sb::api {

namespace http = protocol::http;

namespace {

constexpr size_t kMaxEmailBytes = 254;
constexpr size_t kMaxPasswordBytes = 1024;

std::string_view bearer_token(const http::HttpRequest& request) {
  std::string_view value = request.header("Authorization");
  if (value.size() > 7 && http::iequals(value.substr(0, 7), "bearer ")) return value.substr(7);
  return {};
}


// A fixed hash that unknown e-mails are checked against, so that a login for an unknown
// account costs the same as one with a wrong password.
constexpr std::string_view kDummyHash =
    "$argon2id$v=19$m=65536,t=2,p=1$TBaWhRF9Qa77V0NPHjEu5Q$dmgaEsXBm1laxDIuCT8KEBklCXOGwPhJ1u+rXG/iEQg";

}  // namespace

std::string make_uuid() {
  unsigned char b[16];
  RAND_bytes(b, sizeof b);
  b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);
  char out[37];
  std::snprintf(out, sizeof out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return out;
}

HttpApi::HttpApi(const config::Config& config, const auth::JwtCodec& jwt, const auth::ChannelPolicy& policy,
                 hub::Hub& hub, transport::WorkPool& pool, transport::WorkPool& password_pool, HubApi& hub_api,
                 FeaturesApi& features_api, store::NotificationStore* notifications,
                 const hub::PresenceTracker& presence, Views views)
    : config_(config),
      jwt_(jwt),
      policy_(policy),
      hub_(hub),
      pool_(pool),
      password_pool_(password_pool),
      login_limiter_(config.login_attempts_per_minute),
      hub_api_(hub_api),
      features_api_(features_api),
      notifications_(notifications),
      presence_(presence),
      views_(std::move(views)),
      console_(config) {}

void HttpApi::handle(const http::HttpRequest& request, transport::EventLoop& loop, size_t shard_index,
                     std::string_view client_address, Respond respond) {
  std::string_view path = request.path();
  auto only = [&](std::string_view method) {
    if (request.method == method) return true;
    http::HttpResponse r = http::json_error(405, "method not allowed");
    r.headers.emplace_back("Allow", std::string(method));
    respond(std::move(r));
    return false;
  };
  if (path == "/health") {
    if (only("GET")) respond(http::json_response(200, views_.health()));
  } else if (path == "/api/stats") {
    // The same counters as /metrics, which is not behind the API key either.
    if (only("GET")) respond(http::json_response(200, views_.stats()));
  } else if (path == "/metrics") {
    if (only("GET")) {
      http::HttpResponse r = http::json_response(200, views_.metrics());
      r.content_type = "text/plain; version=0.0.4";
      respond(std::move(r));
    }
  } else if (ConsoleSite::serves(path)) {
    respond(console_.handle(request));
  } else if (path == "/api/presence") {
    if (only("GET")) presence(request, loop, shard_index, std::move(respond));
  } else if (path == "/api/publish") {
    if (only("POST")) publish(request, loop, shard_index, std::move(respond));
  } else if (path == "/api/updates") {
    if (only("POST")) {
      Publications publications;
      http::HttpResponse answer = post_update(request, loop, publications);
      answer_when_accepted(std::move(answer), std::move(publications), shard_index, std::move(respond));
    }
  } else if (path == "/api/messages") {
    if (only("POST")) {
      Publications publications;
      http::HttpResponse answer = post_message(request, loop, publications);
      answer_when_accepted(std::move(answer), std::move(publications), shard_index, std::move(respond));
    }
  } else if (path == "/api/auth/login") {
    if (only("POST")) login(request, loop, client_address, std::move(respond));
  } else if (path == "/api/auth/refresh") {
    if (only("POST")) respond(refresh(request, loop));
  } else if (path == "/api/admin/maintenance") {
    if (!only("POST")) return;
    if (config_.api_key.empty() || !has_api_key(request)) {
      respond(http::json_error(401, "missing or wrong API key"));
    } else {
      respond(hub_api_.maintenance(request, loop, shard_index));
    }
  } else if (path.substr(0, 9) == "/api/hub/") {
    if (config_.api_key.empty()) {
      respond(http::json_error(401, "the hub API is disabled: set SWITCHBOARD_API_KEY"));
    } else if (!has_api_key(request)) {
      respond(http::json_error(401, "missing or wrong API key"));
    } else {
      hub_api_.handle(request, loop, shard_index, std::move(respond));
    }
  } else if (path == "/api/history") {
    if (!only("GET")) return;
    if (config_.api_key.empty()) {
      respond(http::json_error(401, "the history API is disabled: set SWITCHBOARD_API_KEY"));
    } else if (!has_api_key(request)) {
      respond(http::json_error(401, "missing or wrong API key"));
    } else {
      serve_history(request, hub_.broker(), shard_index, std::move(respond));
    }
  } else if (FeaturesApi::serves(path)) {
    if (config_.api_key.empty()) {
      respond(http::json_error(401, "the meetings and decisions API is disabled: set SWITCHBOARD_API_KEY"));
    } else if (!has_api_key(request)) {
      respond(http::json_error(401, "missing or wrong API key"));
    } else {
      features_api_.handle(request, loop, shard_index, std::move(respond));
    }
  } else {
    respond(http::json_error(404, "not found"));
  }
}

bool HttpApi::has_api_key(const http::HttpRequest& request) const {
  std::string_view given = bearer_token(request);
  if (given.empty()) given = request.header("X-API-Key");
  const std::string& key = config_.api_key;
  return !key.empty() && given.size() == key.size() && CRYPTO_memcmp(given.data(), key.data(), key.size()) == 0;
}

void HttpApi::presence(const http::HttpRequest& request, transport::EventLoop& loop, size_t shard_index,
                       Respond respond) {
  std::string channel = request.query_param("channel");
  if (channel.empty() || !hub::is_valid_channel(channel)) {
    respond(http::json_error(400, "channel is required and must be a concrete channel name"));
    return;
  }
  if (!has_api_key(request)) {
    std::string_view token = bearer_token(request);
    if (token.empty()) {
      respond(http::json_error(401, "Authorization: Bearer <accessToken> or the API key required"));
      return;
    }
    auth::Identity identity;
    auth::JwtStatus status = jwt_.verify(token, static_cast<int64_t>(loop.wall_ms() / 1000), identity);
    if (status != auth::JwtStatus::kOk) {
      respond(http::json_error(401, auth::to_string(status)));
      return;
    }
    // Who is in a channel is for those who may be in it.
    if (policy_.can_subscribe(identity, channel) != auth::Decision::kAllow) {
      respond(http::json_error(403, "not allowed to subscribe to this channel"));
      return;
    }
  }
  serve_presence(std::move(channel), presence_, shard_index, std::move(respond));
}

void HttpApi::publish(const http::HttpRequest& request, transport::EventLoop& loop, size_t shard_index,
                      Respond respond) {
  if (config_.api_key.empty()) {
    respond(http::json_error(401, "the publish API is disabled: set SWITCHBOARD_API_KEY"));
    return;
  }
  if (!has_api_key(request)) {
    respond(http::json_error(401, "missing or wrong API key"));
    return;
  }
  simdjson::dom::parser parser;
  simdjson::dom::object body;
  if (auto bad = parse_json_object(parser, request.body, body)) {
    respond(std::move(*bad));
    return;
  }
  std::string_view channel, user, type;
  bool has_channel = body["channel"].get_string().get(channel) == simdjson::SUCCESS;
  bool has_user = body["user"].get_string().get(user) == simdjson::SUCCESS;
  if (has_channel == has_user) {
    respond(http::json_error(400, "give exactly one of \"channel\" or \"user\""));
    return;
  }
  std::string target = has_user ? "user:" + std::string(user) : std::string(channel);
  if (!hub::is_valid_channel(target)) {
    respond(http::json_error(400, "invalid channel name"));
    return;
  }
  auto publication = std::make_shared<hub::Publication>();
  publication->id = hub_.next_publication_id();
  publication->channel = std::move(target);
  publication->event_type = body["type"].get_string().get(type) == simdjson::SUCCESS && !type.empty()
                                ? std::string(type)
                                : std::string("message");
  simdjson::dom::element value;
  publication->data = body["data"].get(value) == simdjson::SUCCESS ? simdjson::minify(value) : "null";
  simdjson::dom::object metadata;
  if (body["metadata"].get_object().get(metadata) == simdjson::SUCCESS) {
    std::string m = simdjson::minify(metadata);
    if (m.size() > 2) publication->metadata = std::move(m);
  }
  publication->time_ms = loop.wall_ms();

  // A notification to a user (seed 000's NOTIFICATION, seed 003's notification.send) is
  // stored until acknowledged.
  bool notification = has_user && (http::iequals(publication->event_type, "NOTIFICATION") ||
                                   publication->event_type == "notification.send");
  if (!notification || notifications_ == nullptr) {
    publication->published_mono_us = transport::EventLoop::monotonic_us();
    // Answered once the broker holds it (in a cluster: Redis), with its stream position.
    hub_.publish(publication, shard_index,
                 [respond, id = publication->id, channel = publication->channel](bool ok, hub::StreamPosition at) {
                   if (!ok) {
                     respond(http::json_error(503, "the publication was not accepted: the broker is unreachable"));
                     return;
                   }
                   std::string response;
                   json::ObjectWriter w(response);
                   w.boolean("success", true).string("id", id).string("channel", channel);
                   if (at.offset != 0) w.number("offset", static_cast<int64_t>(at.offset)).string("epoch", at.epoch);
                   w.end();
                   respond(http::json_response(200, std::move(response)));
                 });
    return;
  }
  // A notification is stored until read: its data must be an object with an id, under
  // both names the dialects use (`id` for seed 000, `notificationId` for seed 003), given
  // when missing, so that the client can acknowledge it whatever it speaks.
  simdjson::dom::object data_object;
  if (body["data"].get_object().get(data_object) != simdjson::SUCCESS) {
    respond(http::json_error(400, "a notification's data must be an object"));
    return;
  }
  std::string_view given_id, alias_id, expires;
  bool has_id = data_object["id"].get_string().get(given_id) == simdjson::SUCCESS && !given_id.empty();
  bool has_alias =
      data_object["notificationId"].get_string().get(alias_id) == simdjson::SUCCESS && !alias_id.empty();
  std::string notification_id = has_id ? std::string(given_id) : has_alias ? std::string(alias_id)
                                                                            : "notif-" + make_uuid();
  if (has_id && has_alias && given_id != alias_id) {
    respond(http::json_error(400, "data.id and data.notificationId differ"));
    return;
  }
  int64_t expires_at_ms = 0;
  if (data_object["expiresAt"].get_string().get(expires) == simdjson::SUCCESS) {
    std::optional<uint64_t> at = json::parse_iso8601(expires);
    if (!at) {
      respond(http::json_error(400, "data.expiresAt must be an ISO 8601 date-time"));
      return;
    }
    if (*at <= loop.wall_ms()) {
      respond(http::json_error(400, "data.expiresAt is in the past: nothing to deliver"));
      return;
    }
    expires_at_ms = static_cast<int64_t>(*at);
  }
  if (!has_id || !has_alias) {
    std::string with_ids = "{";
    if (!has_id) {
      with_ids += "\"id\":";
      json::append_string(with_ids, notification_id);
    }
    if (!has_alias) {
      if (with_ids.size() > 1) with_ids += ',';
      with_ids += "\"notificationId\":";
      json::append_string(with_ids, notification_id);
    }
    if (publication->data.size() > 2) with_ids += ",";
    with_ids.append(publication->data, 1, std::string::npos);
    publication->data = std::move(with_ids);
  }
  store::StoredNotification stored{notification_id, std::string(user), publication->event_type, publication->data,
                                   static_cast<int64_t>(publication->time_ms), expires_at_ms};
  pool_.submit([this, &loop, shard_index, stored = std::move(stored), publication,
                respond = std::move(respond)]() mutable {
    std::string error;
    bool ok = notifications_->add(stored, error);
    loop.post([this, ok, error, shard_index, publication, id = stored.id, respond = std::move(respond)] {
      if (!ok) {
        respond(http::json_error(500, error));
        return;
      }
      publication->published_mono_us = transport::EventLoop::monotonic_us();
      hub_.publish(publication, shard_index);
      std::string response;
      json::ObjectWriter(response).boolean("success", true).string("id", publication->id)
          .string("channel", publication->channel).string("notificationId", id).boolean("stored", true).end();
      respond(http::json_response(200, std::move(response)));
    });
  });
}

void HttpApi::answer_when_accepted(http::HttpResponse answer, Publications publications, size_t shard_index,
                                   Respond respond) {
  if (publications.empty()) {
    respond(std::move(answer));
    return;
  }
  struct Pending {
    http::HttpResponse answer;
    Respond respond;
    size_t remaining;
    bool refused = false;
  };
  auto pending = std::make_shared<Pending>(Pending{std::move(answer), std::move(respond), publications.size()});
  for (auto& publication : publications) {
    hub_.publish(std::move(publication), shard_index, [pending](bool accepted, hub::StreamPosition) {
      pending->refused = pending->refused || !accepted;
      if (--pending->remaining != 0) return;
      if (pending->refused) {
        pending->respond(http::json_error(503, "the publication was not accepted: the broker is unreachable"));
        return;
      }
      pending->respond(std::move(pending->answer));
    });
  }
}

http::HttpResponse HttpApi::post_update(const http::HttpRequest& request, transport::EventLoop& loop,
                                        Publications& out) {
  if (config_.api_key.empty()) return http::json_error(401, "the updates API is disabled: set SWITCHBOARD_API_KEY");
  if (!has_api_key(request)) return http::json_error(401, "missing or wrong API key");
  simdjson::dom::parser parser;
  simdjson::dom::object body;
  if (auto bad = parse_json_object(parser, request.body, body)) return std::move(*bad);
  std::string_view company, artifact, action, request_id;
  if (body["companyId"].get_string().get(company) != simdjson::SUCCESS || company.empty()) {
    return http::json_error(400, "companyId is required");
  }
  if (body["action"].get_string().get(action) != simdjson::SUCCESS || action.empty()) {
    return http::json_error(400, "action is required");
  }
  bool to_artifact = body["artifactId"].get_string().get(artifact) == simdjson::SUCCESS && !artifact.empty();
  std::string channel = "company:" + std::string(company);
  if (to_artifact) channel += ":artifact:" + std::string(artifact);
  if (!hub::is_valid_channel(channel)) return http::json_error(400, "companyId and artifactId must be channel segments");
  auto publication = std::make_shared<hub::Publication>();
  publication->id = hub_.next_publication_id();
  publication->channel = std::move(channel);
  publication->event_type = "UPDATE";
  simdjson::dom::element data;
  publication->data = body["data"].get(data) == simdjson::SUCCESS ? simdjson::minify(data) : "null";
  // The request and action an update belongs to travel as the backend's metadata.
  json::ObjectWriter m(publication->metadata);
  if (body["requestId"].get_string().get(request_id) == simdjson::SUCCESS) m.string("requestId", request_id);
  m.string("action", action).end();
  publication->time_ms = loop.wall_ms();
  publication->published_mono_us = transport::EventLoop::monotonic_us();
  std::string response;
  json::ObjectWriter(response).boolean("success", true).string("id", publication->id)
      .string("channel", publication->channel).end();
  out.push_back(std::move(publication));
  return http::json_response(200, std::move(response));
}

http::HttpResponse HttpApi::post_message(const http::HttpRequest& request, transport::EventLoop& loop,
                                         Publications& out) {
  simdjson::dom::parser parser;
  simdjson::dom::object body;
  if (auto bad = parse_json_object(parser, request.body, body)) return std::move(*bad);
  std::string sender;
  auth::Identity identity;  // the caller, when a user token is used
  std::string_view text;
  if (has_api_key(request)) {
    if (body["senderId"].get_string().get(text) != simdjson::SUCCESS || text.empty()) {
      return http::json_error(400, "senderId is required with an API key");
    }
    sender = text;
  } else {
    std::string_view token = bearer_token(request);
    if (token.empty()) return http::json_error(401, "Authorization: Bearer <accessToken> required");
    auth::JwtStatus status = jwt_.verify(token, static_cast<int64_t>(loop.wall_ms() / 1000), identity);
    if (status != auth::JwtStatus::kOk) return http::json_error(401, auth::to_string(status));
    sender = identity.user_id;
  }
  std::string_view content, recipient, channel_id;
  if (body["content"].get_string().get(content) != simdjson::SUCCESS) {
    return http::json_error(400, "content is required");
  }
  bool dm = body["recipientId"].get_string().get(recipient) == simdjson::SUCCESS && !recipient.empty();
  bool in_channel = body["channelId"].get_string().get(channel_id) == simdjson::SUCCESS && !channel_id.empty();

  std::vector<std::string> topics = {"messages", "messages.user." + sender};
  if (dm) topics.push_back("messages.user." + std::string(recipient));
  if (in_channel) topics.push_back("messages.channel." + std::string(channel_id));
  for (const auto& t : topics) {
    if (!hub::is_valid_channel(t)) return http::json_error(400, "ids must be valid topic segments");
    // A user publishes here under the same policy as over a WebSocket; a backend (API key)
    // is trusted.
    if (!identity.anonymous && policy_.can_publish(identity, t) != auth::Decision::kAllow) {
      return http::json_error(403, "not allowed to publish to " + t);
    }
  }
  std::string now = json::iso8601(loop.wall_ms());
  std::string message;
  json::ObjectWriter w(message);
  w.string("id", make_uuid()).string("userId", sender);
  if (dm) w.string("recipientId", recipient); else w.null("recipientId");
  if (in_channel) w.string("channelId", channel_id); else w.null("channelId");
  w.string("content", content).string("createdAt", now).string("updatedAt", now).end();

  for (const auto& t : topics) {
    auto publication = std::make_shared<hub::Publication>();
    publication->id = hub_.next_publication_id();
    publication->channel = t;
    publication->event_type = "message.sent";
    publication->data = message;
    publication->sender_user_id = sender;
    publication->time_ms = loop.wall_ms();
    publication->published_mono_us = transport::EventLoop::monotonic_us();
    out.push_back(std::move(publication));
  }
  std::string response;
  json::ObjectWriter(response).boolean("success", true).raw("data", message).end();
  return http::json_response(201, std::move(response));
}

void HttpApi::login(const http::HttpRequest& request, transport::EventLoop& loop, std::string_view client_address,
                    Respond respond) {
  simdjson::dom::parser parser;
  simdjson::dom::object body;
  std::string_view email, password;
  if (auto bad = parse_json_object(parser, request.body, body)) {
    respond(std::move(*bad));
    return;
  }
  if (body["email"].get_string().get(email) != simdjson::SUCCESS ||
      body["password"].get_string().get(password) != simdjson::SUCCESS) {
    respond(http::json_error(400, "email and password are required"));
    return;
  }
  // An account name keys the login limiter's state: bounded like an e-mail address (RFC
  // 5321), and a password like any a person types.
  if (email.size() > kMaxEmailBytes || password.size() > kMaxPasswordBytes) {
    respond(http::json_error(400, "email is at most " + std::to_string(kMaxEmailBytes) + " bytes and password at most " +
                                      std::to_string(kMaxPasswordBytes)));
    return;
  }
  uint64_t retry_after_ms = 0;
  if (!login_limiter_.try_attempt(client_address, email, loop.now_ms(), retry_after_ms)) {
    http::HttpResponse r = http::json_error(429, "too many login attempts; try again later");
    r.headers.emplace_back("Retry-After", std::to_string((retry_after_ms + 999) / 1000));
    respond(std::move(r));
    return;
  }
  const config::UserRecord* user = nullptr;
  for (const auto& u : config_.users) {
    if (http::iequals(u.email, email)) user = &u;
  }
  // Argon2 takes tens of milliseconds by design: it runs on its own bounded pool, never on
  // the loop nor on the pool that writes notifications and looks up sessions.
  auto shared_respond = std::make_shared<Respond>(std::move(respond));
  bool queued = password_pool_.try_submit(
      [this, &loop, user, hash = std::string(user ? user->password_hash : kDummyHash),
       password = std::string(password), shared_respond]() mutable {
    bool ok = auth::verify_password(hash, password) && user != nullptr;
    loop.post([this, &loop, ok, user, shared_respond] {
      Respond& answer = *shared_respond;
      if (!ok) {
        answer(http::json_error(401, "Invalid email or password"));
        return;
      }
      std::string error;
      int64_t now = static_cast<int64_t>(loop.wall_ms() / 1000);
      std::string access = jwt_.sign(auth::make_claims(jwt_.settings(), user->id, user->name, user->roles,
                                                       user->permissions, now, config_.access_token_ttl),
                                     error);
      std::string refresh_token = jwt_.sign(auth::make_claims(jwt_.settings(), user->id, user->name, user->roles,
                                                              user->permissions, now, config_.refresh_token_ttl,
                                                              "refresh"),
                                            error);
      if (access.empty() || refresh_token.empty()) {
        answer(http::json_error(500, error));
        return;
      }
      std::string user_json;
      json::ObjectWriter(user_json).string("id", user->id).string("email", user->email).string("name", user->name)
          .raw("roles", json::string_array(user->roles)).end();
      std::string data;
      json::ObjectWriter(data).raw("user", user_json).string("accessToken", access)
          .string("refreshToken", refresh_token).end();
      std::string out;
      json::ObjectWriter(out).boolean("success", true).raw("data", data).end();
      answer(http::json_response(200, std::move(out)));
    });
  }, config_.password_hash_queue);
  if (!queued) {
    http::HttpResponse r = http::json_error(503, "too many logins in progress; try again shortly");
    r.headers.emplace_back("Retry-After", "1");
    (*shared_respond)(std::move(r));
  }
}

http::HttpResponse HttpApi::refresh(const http::HttpRequest& request, transport::EventLoop& loop) {
  simdjson::dom::parser parser;
  simdjson::dom::object body;
  std::string_view token;
  if (auto bad = parse_json_object(parser, request.body, body)) return std::move(*bad);
  if (body["refreshToken"].get_string().get(token) != simdjson::SUCCESS) {
    return http::json_error(400, "refreshToken is required");
  }
  auth::Identity identity;
  int64_t now = static_cast<int64_t>(loop.wall_ms() / 1000);
  auth::JwtStatus status = jwt_.verify(token, now, identity, auth::TokenUse::kRefresh);
  if (status != auth::JwtStatus::kOk) return http::json_error(401, auth::to_string(status));
  std::string error;
  std::string access = jwt_.sign(auth::make_claims(jwt_.settings(), identity.user_id, identity.name, identity.roles(),
                                                   identity.permissions(), now, config_.access_token_ttl),
                                 error);
  if (access.empty()) return http::json_error(500, error);
  std::string data;
  json::ObjectWriter(data).string("accessToken", access).end();
  std::string out;
  json::ObjectWriter(out).boolean("success", true).raw("data", data).end();
  return http::json_response(200, std::move(out));
}

}  // namespace sb::api

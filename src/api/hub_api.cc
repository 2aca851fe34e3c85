#include "api/hub_api.h"

#include <simdjson.h>

#include "api/json_body.h"
#include "hub/topic.h"
#include "json/json_writer.h"

namespace sb::api {

namespace http = protocol::http;

namespace {
http::HttpResponse ok(std::string body) {
  http::HttpResponse r;
  r.body = std::move(body);
  return r;
}
}  // namespace

HubApi::HubApi(hub::Hub& hub, hub::ConnectionRegistry& registry, hub::ChannelOccupancy& occupancy,
               std::atomic<bool>& maintenance, std::function<uint64_t()> messages_per_second)
    : hub_(hub),
      registry_(registry),
      occupancy_(occupancy),
      maintenance_(maintenance),
      messages_per_second_(std::move(messages_per_second)) {}

void HubApi::set_maintenance(bool enabled, std::string message, transport::EventLoop& loop, size_t shard_index) {
  bool was = maintenance_.exchange(enabled);
  if (!enabled || was) return;
  std::string data;
  json::ObjectWriter(data).string("code", "MAINTENANCE").string("message", message).end();
  hub_.publish(new_publication("$all", "maintenance", std::move(data), loop), shard_index);
}

std::shared_ptr<hub::Publication> HubApi::new_publication(std::string channel, std::string_view event_type,
                                                          std::string data, transport::EventLoop& loop) {
  auto publication = std::make_shared<hub::Publication>();
  publication->id = hub_.next_publication_id();
  publication->channel = std::move(channel);
  publication->event_type = event_type;
  publication->data = std::move(data);
  publication->time_ms = loop.wall_ms();
  publication->published_mono_us = transport::EventLoop::monotonic_us();
  return publication;
}

http::HttpResponse HubApi::maintenance(const http::HttpRequest& request, transport::EventLoop& loop,
                                       size_t shard_index) {
  simdjson::dom::parser parser;
  simdjson::dom::object body;
  bool enabled = false;
  if (auto bad = parse_json_object(parser, request.body, body)) return std::move(*bad);
  if (body["enabled"].get_bool().get(enabled) != simdjson::SUCCESS) {
    return http::json_error(400, "body must be {\"enabled\": true|false, \"message\"?: string}");
  }
  std::string_view message = "the service is in maintenance; try again later";
  std::string_view given;
  if (body["message"].get_string().get(given) == simdjson::SUCCESS && !given.empty()) message = given;
  set_maintenance(enabled, std::string(message), loop, shard_index);
  std::string out;
  json::ObjectWriter(out).boolean("success", true).boolean("maintenance", enabled).end();
  return ok(std::move(out));
}

void HubApi::handle(const http::HttpRequest& request, transport::EventLoop& loop, size_t shard_index,
                    std::function<void(http::HttpResponse)> respond) {
  std::string_view path = request.path();
  std::string_view rest = path.substr(std::string_view("/api/hub/").size());
  auto method = [&](std::string_view wanted) { return request.method == wanted; };
  if (rest == "send-to-user") {
    respond(method("POST") ? publish(request, loop, shard_index, "userId") : http::json_error(405, "use POST"));
    return;
  }
  if (rest == "broadcast-to-room") {
    respond(method("POST") ? publish(request, loop, shard_index, "room") : http::json_error(405, "use POST"));
    return;
  }
  if (rest == "broadcast-to-authenticated") {
    respond(method("POST") ? publish(request, loop, shard_index, "minRole") : http::json_error(405, "use POST"));
    return;
  }
  if (rest == "disconnect-user") {
    respond(method("POST") ? disconnect_user(request, loop, shard_index) : http::json_error(405, "use POST"));
    return;
  }
  if (rest == "stats") {
    if (method("GET")) {
      stats(shard_index, std::move(respond));
    } else {
      respond(http::json_error(405, "use GET"));
    }
    return;
  }
  constexpr std::string_view kUsers = "users/";
  constexpr std::string_view kConnections = "/connections";
  if (rest.substr(0, kUsers.size()) == kUsers && rest.size() > kUsers.size() + kConnections.size() &&
      rest.substr(rest.size() - kConnections.size()) == kConnections) {
    // A path segment: '+' is a plus here, only %XX escapes decode.
    std::string user =
        http::percent_decode_path(rest.substr(kUsers.size(), rest.size() - kUsers.size() - kConnections.size()));
    if (!json::is_valid_utf8(user)) {
      respond(http::json_error(400, "the user id is not valid UTF-8"));
    } else if (method("GET")) {
      user_connections(user, shard_index, std::move(respond));
    } else {
      respond(http::json_error(405, "use GET"));
    }
    return;
  }
  respond(http::json_error(404, "unknown hub API call"));
}

http::HttpResponse HubApi::publish(const http::HttpRequest& request, transport::EventLoop& loop, size_t shard_index,
                                   std::string_view target_field) {
  simdjson::dom::parser parser;
  simdjson::dom::object body;
  if (auto bad = parse_json_object(parser, request.body, body)) return std::move(*bad);
  std::string_view type, target;
  if (body["type"].get_string().get(type) != simdjson::SUCCESS || type.empty()) {
    return http::json_error(400, "type is required");
  }
  bool has_target = body[target_field].get_string().get(target) == simdjson::SUCCESS && !target.empty();
  std::string channel;
  if (target_field == "userId") {
    if (!has_target) return http::json_error(400, "userId is required");
    channel = "user:" + std::string(target);
  } else if (target_field == "room") {
    if (!has_target) return http::json_error(400, "room is required");
    channel = target;
  } else {
    channel = has_target ? "$role:" + std::string(target) : std::string("$authenticated");
  }
  if (target_field != "minRole" && !hub::is_valid_channel(channel)) return http::json_error(400, "invalid target");
  simdjson::dom::element payload;
  auto publication = new_publication(std::move(channel), type,
                                     body["payload"].get(payload) == simdjson::SUCCESS ? simdjson::minify(payload) : "null",
                                     loop);
  std::string response;
  json::ObjectWriter(response).boolean("success", true).string("id", publication->id).end();
  hub_.publish(publication, shard_index);
  return ok(std::move(response));
}

http::HttpResponse HubApi::disconnect_user(const http::HttpRequest& request, transport::EventLoop& loop,
                                           size_t shard_index) {
  simdjson::dom::parser parser;
  simdjson::dom::object body;
  if (auto bad = parse_json_object(parser, request.body, body)) return std::move(*bad);
  std::string_view user, reason;
  if (body["userId"].get_string().get(user) != simdjson::SUCCESS || user.empty()) {
    return http::json_error(400, "userId is required");
  }
  std::string channel = "user:" + std::string(user);
  if (!hub::is_valid_channel(channel)) return http::json_error(400, "invalid userId");
  if (body["reason"].get_string().get(reason) != simdjson::SUCCESS || reason.empty()) {
    reason = "disconnected by an administrator";
  }
  std::string data;
  json::ObjectWriter(data).string("reason", reason).end();
  auto publication = new_publication(std::move(channel), hub::kDisconnectOrder, std::move(data), loop);
  publication->keep_in_history = false;  // an order for the connections of now, not a message
  hub_.publish(std::move(publication), shard_index);
  std::string response;
  json::ObjectWriter(response).boolean("success", true).string("userId", user).end();
  return ok(std::move(response));
}

void HubApi::user_connections(std::string_view user_id, size_t shard_index,
                              std::function<void(http::HttpResponse)> respond) {
  auto render = [user = std::string(user_id), respond = std::move(respond)](
                    const std::vector<hub::ConnectionRecord>& connections) {
    std::string list = "[";
    for (const auto& c : connections) {
      if (list.size() > 1) list += ',';
      json::ObjectWriter(list).string("connectionId", c.connection_id).string("dialect", c.dialect)
          .number("connectedAt", static_cast<int64_t>(c.connected_at_ms)).end();
    }
    list += ']';
    std::string out;
    json::ObjectWriter(out).boolean("success", true).string("userId", user).raw("data", list).end();
    respond(ok(std::move(out)));
  };
  if (hub::RegistryCluster* cluster = registry_.cluster()) {
    cluster->of_user(user_id, shard_index, std::move(render));
    return;
  }
  std::vector<hub::ConnectionRecord> here;
  for (const auto& info : registry_.of_user(user_id)) {
    here.push_back({info.connection_id.str(), info.user_id, std::string(info.dialect), info.connected_at_ms});
  }
  render(here);
}

void HubApi::stats(size_t shard_index, std::function<void(http::HttpResponse)> respond) {
  auto render = [respond = std::move(respond)](const hub::ClusterStats& totals) {
    std::string rooms = "[";
    for (const auto& [name, members] : totals.rooms) {
      if (rooms.size() > 1) rooms += ',';
      json::ObjectWriter(rooms).string("name", name).number("members", static_cast<int64_t>(members)).end();
    }
    rooms += ']';
    std::string data;
    json::ObjectWriter(data).number("connections", static_cast<int64_t>(totals.connections))
        .number("authenticatedUsers", static_cast<int64_t>(totals.users))
        .raw("rooms", rooms)
        .number("messagesPerSecond", static_cast<int64_t>(totals.messages_per_second)).end();
    std::string out;
    json::ObjectWriter(out).boolean("success", true).raw("data", data).end();
    respond(ok(std::move(out)));
  };
  if (hub::RegistryCluster* cluster = registry_.cluster()) {
    cluster->stats(shard_index, std::move(render));
    return;
  }
  hub::ClusterStats here;
  here.connections = registry_.connection_count();
  here.users = registry_.user_count();
  here.messages_per_second = messages_per_second_();
  for (const auto& [name, members] : occupancy_.snapshot()) here.rooms[name] += members;
  render(here);
}

}  // namespace sb::api

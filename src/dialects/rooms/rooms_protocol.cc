#include "dialects/rooms/rooms_protocol.h"

#include <simdjson.h>

#include <cctype>

#include "dialects/json_fields.h"
#include "hub/topic.h"
#include "json/json_writer.h"

namespace sb::dialects::rooms {

namespace {

ClientMessage fail(std::string code, std::string message, std::string id = {}) {
  ClientMessage m;
  m.error_code = std::move(code);
  m.error_message = std::move(message);
  m.id = std::move(id);
  return m;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

}  // namespace

ClientMessage parse_client_message(std::string_view text) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::object object;
  if (parser.parse(text.data(), text.size()).get_object().get(object) != simdjson::SUCCESS) {
    return fail("INVALID_MESSAGE", "message must be a JSON object");
  }
  std::string id = string_or_number(object, "id");
  std::string_view type;
  if (object["type"].get_string().get(type) != simdjson::SUCCESS) return fail("INVALID_MESSAGE", "type is required", id);

  ClientMessage m;
  m.id = id;
  if (type == "ping") {
    m.type = ClientType::kPing;
    m.ok = true;
    return m;
  }
  if (type != "subscribe" && type != "unsubscribe" && type != "message") {
    return fail("UNKNOWN_TYPE", "unknown message type: " + std::string(type.substr(0, 64)), id);
  }
  simdjson::dom::element payload;
  bool has_payload = object["payload"].get(payload) == simdjson::SUCCESS;
  std::string_view room;
  if (has_payload && payload.is_string()) {
    room = payload.get_string().value_unsafe();
  } else if (has_payload && payload.is_object()) {
    if (payload["room"].get_string().get(room) != simdjson::SUCCESS) room = {};
  }
  if (room.empty() && object["room"].get_string().get(room) != simdjson::SUCCESS) room = {};
  if (room.empty()) return fail("INVALID_MESSAGE", "payload.room is required", id);
  m.room = room;
  if (type == "message") {
    m.type = ClientType::kMessage;
    simdjson::dom::element content;
    if (has_payload && payload.is_object() && payload["content"].get(content) == simdjson::SUCCESS) {
      m.content = simdjson::minify(content);
    }
  } else {
    m.type = type == "subscribe" ? ClientType::kSubscribe : ClientType::kUnsubscribe;
    simdjson::dom::element since;
    if (m.type == ClientType::kSubscribe && has_payload && payload.is_object() &&
        payload["since"].get(since) == simdjson::SUCCESS && !since.is_null()) {
      if (hub::has_wildcard(room)) return fail("INVALID_MESSAGE", "payload.since cannot resume a pattern", id);
      hub::StreamPosition position;
      if (!parse_stream_position(since, position)) {
        return fail("INVALID_MESSAGE", "payload.since must be {offset: integer, epoch: string}", id);
      }
      m.since = std::move(position);
    }
  }
  m.ok = true;
  return m;
}

std::string render(std::string_view type, std::string_view payload_json, uint64_t now_ms, std::string_view id) {
  std::string out;
  json::ObjectWriter w(out);
  w.string("type", type).raw("payload", payload_json).number("timestamp", static_cast<int64_t>(now_ms));
  if (!id.empty()) w.string("id", id);
  w.end();
  return out;
}

std::string render_error(std::string_view code, std::string_view message, uint64_t now_ms, std::string_view id,
                         uint64_t retry_after_ms) {
  std::string payload;
  json::ObjectWriter p(payload);
  p.string("code", code).string("message", message);
  if (retry_after_ms != 0) p.number("retryAfter", static_cast<int64_t>(retry_after_ms));
  p.end();
  return render("error", payload, now_ms, id);
}

namespace {
// The payload of an event on a channel that keeps history: an object payload with the
// stream position added (the server's offset and epoch replacing any the data had); any
// other payload unchanged.
std::string numbered_payload(const hub::Publication& p) {
  if (p.offset == 0) return p.data;
  thread_local simdjson::dom::parser parser;
  simdjson::dom::object data;
  if (parser.parse(p.data).get_object().get(data) != simdjson::SUCCESS) return p.data;
  std::string out;
  json::ObjectWriter w(out);
  for (auto [key, value] : data) {
    if (key != "offset" && key != "epoch") w.raw(key, simdjson::minify(value));
  }
  write_stream_position(w, p);
  w.end();
  return out;
}
}  // namespace

void render_publication(const hub::Publication& p, std::string& out) {
  // Personal and role channels are how a message reached this user, not rooms they joined.
  bool implicit = p.channel.starts_with("$") || p.channel.starts_with("user:");
  json::ObjectWriter w(out);
  if (iequals(p.event_type, "message")) {
    std::string payload;
    json::ObjectWriter body(payload);
    body.string("room", p.channel).raw("content", p.data);
    write_stream_position(body, p);
    if (!p.sender_user_id.empty()) {
      std::string from;
      json::ObjectWriter f(from);
      f.string("id", p.sender_user_id);
      if (!p.sender_name.empty()) f.string("name", p.sender_name); else f.null("name");
      f.end();
      body.raw("from", from);
    } else {
      body.null("from");
    }
    body.end();
    w.string("type", "message").raw("payload", payload);
  } else if (iequals(p.event_type, "notification")) {
    w.string("type", "notification").raw("payload", numbered_payload(p));
    if (!implicit) w.string("room", p.channel);
  } else {
    w.string("type", p.event_type).raw("payload", numbered_payload(p));
    if (!implicit) w.string("room", p.channel);
  }
  w.number("timestamp", static_cast<int64_t>(p.time_ms)).string("id", p.id).end();
}

}  // namespace sb::dialects::rooms

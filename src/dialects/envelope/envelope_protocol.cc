#include "dialects/envelope/envelope_protocol.h"

#include <simdjson.h>

#include <cctype>

#include "dialects/json_fields.h"
#include "dialects/publication_metadata.h"
#include "dialects/stream_position.h"
#include "json/json_writer.h"

namespace sb::dialects::envelope {

namespace {

ClientMessage fail(std::string message, std::string id = {}) {
  ClientMessage m;
  m.error_message = std::move(message);
  m.id = std::move(id);
  return m;
}

}  // namespace

ClientMessage parse_client_message(std::string_view text) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::object object;
  if (parser.parse(text.data(), text.size()).get_object().get(object) != simdjson::SUCCESS) {
    return fail("message must be a JSON object");
  }
  ClientMessage m;
  std::string_view s;
  m.id = string_or_number(object, "id");
  std::string_view type;
  if (object["type"].get_string().get(type) != simdjson::SUCCESS) return fail("type is required", m.id);
  simdjson::dom::object payload;
  bool has_payload = object["payload"].get_object().get(payload) == simdjson::SUCCESS;

  if (type == "PING") {
    m.type = ClientType::kPing;
  } else if (type == "AUTH") {
    m.type = ClientType::kAuth;
    if (object["token"].get_string().get(s) != simdjson::SUCCESS &&
        !(has_payload && payload["token"].get_string().get(s) == simdjson::SUCCESS)) {
      return fail("AUTH needs a token", m.id);
    }
    m.token = s;
  } else if (type == "SUBSCRIBE" || type == "UNSUBSCRIBE") {
    m.type = type == "SUBSCRIBE" ? ClientType::kSubscribe : ClientType::kUnsubscribe;
    simdjson::dom::array list;
    if (!has_payload || payload["channels"].get_array().get(list) != simdjson::SUCCESS) {
      return fail("payload.channels must be a list of channel names", m.id);
    }
    for (auto item : list) {
      if (item.get_string().get(s) != simdjson::SUCCESS) return fail("channel names must be strings", m.id);
      m.channels.emplace_back(s);
    }
    if (m.channels.empty() || m.channels.size() > 100) return fail("give 1 to 100 channels", m.id);
    simdjson::dom::element since;
    if (m.type == ClientType::kSubscribe && payload["since"].get(since) == simdjson::SUCCESS && !since.is_null()) {
      std::string error = parse_since_map(since, m.channels, "payload.since", m.since);
      if (!error.empty()) return fail(error, m.id);
    }
  } else if (type == "TYPING_INDICATOR") {
    m.type = ClientType::kTyping;
    if (!has_payload || payload["channelId"].get_string().get(s) != simdjson::SUCCESS) {
      return fail("payload.channelId is required", m.id);
    }
    m.channel = s;
    bool typing = false;
    if (payload["isTyping"].get_bool().get(typing) != simdjson::SUCCESS) return fail("payload.isTyping must be a boolean", m.id);
    m.is_typing = typing;
  } else if (type == "CURSOR_POSITION") {
    m.type = ClientType::kCursor;
    if (!has_payload) return fail("payload is required", m.id);
    if (payload["channelId"].get_string().get(s) == simdjson::SUCCESS) {
      m.channel = s;
    } else if (payload["documentId"].get_string().get(s) == simdjson::SUCCESS) {
      m.channel = "document:" + std::string(s);
    } else {
      return fail("payload.channelId or payload.documentId is required", m.id);
    }
    // The server says who moved: identity keys from the client are dropped.
    for (auto field : payload) {
      if (field.key == "userId" || field.key == "user" || field.key == "channelId") continue;
      if (!m.cursor_fields.empty()) m.cursor_fields += ',';
      json::append_string(m.cursor_fields, field.key);
      m.cursor_fields += ':';
      m.cursor_fields += simdjson::minify(field.value);
    }
  } else if (type == "GET_PRESENCE") {
    m.type = ClientType::kGetPresence;
    if (!has_payload || payload["channelId"].get_string().get(s) != simdjson::SUCCESS) {
      return fail("payload.channelId is required", m.id);
    }
    m.channel = s;
  } else if (type == "NOTIFICATION_READ") {
    m.type = ClientType::kNotificationRead;
    bool all = false;
    if (has_payload && payload["notificationId"].get_string().get(s) == simdjson::SUCCESS && !s.empty()) {
      m.notification_id = s;
    } else if (has_payload && payload["all"].get_bool().get(all) == simdjson::SUCCESS && all) {
      m.all = true;
    } else {
      return fail("payload.notificationId or payload.all is required", m.id);
    }
  } else {
    return fail("unknown message type: " + std::string(type.substr(0, 64)), m.id);
  }
  m.ok = true;
  return m;
}

std::string render(std::string_view id, std::string_view type, std::string_view payload_json, uint64_t now_ms,
                   std::string_view metadata_json) {
  std::string out;
  json::ObjectWriter w(out);
  w.string("id", id).string("type", type).string("timestamp", json::iso8601(now_ms)).raw("payload", payload_json);
  if (!metadata_json.empty()) w.raw("metadata", metadata_json);
  w.end();
  return out;
}

std::string render_error(std::string_view id, std::string_view code, std::string_view message, uint64_t now_ms,
                         std::string_view details_json, std::string_view correlation_id) {
  std::string payload;
  json::ObjectWriter p(payload);
  p.string("code", code).string("message", message);
  if (!details_json.empty()) p.raw("details", details_json);
  p.end();
  std::string metadata;
  if (!correlation_id.empty()) json::ObjectWriter(metadata).string("correlationId", correlation_id).end();
  return render(id, "ERROR", payload, now_ms, metadata);
}

std::string envelope_type(std::string_view event_type) {
  if (event_type == "presence.join") return "USER_JOINED";
  if (event_type == "presence.leave") return "USER_LEFT";
  if (event_type == "typing") return "TYPING_INDICATOR";
  if (event_type == "cursor") return "CURSOR_POSITION";
  if (event_type == "maintenance") return "ERROR";  // data is {code: MAINTENANCE, message}
  if (event_type == "notification.send") return "NOTIFICATION";  // seed 003's backends
  std::string out;
  out.reserve(event_type.size());
  for (char c : event_type) {
    out += (c == '.' || c == '-' || c == ' ') ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

void render_publication(const hub::Publication& p, std::string& out) {
  std::string server;
  json::ObjectWriter m(server);  // left open: members only
  m.string("channel", p.channel);
  if (!p.sender_user_id.empty()) m.string("userId", p.sender_user_id);
  server.erase(0, 1);
  // A backend (trusted) may name a user in its metadata; a client's publication never can.
  // A stream position is the server's word too.
  std::string metadata = p.sender_user_id.empty() ? publication_metadata(p, server, {"channel"}, true)
                                                  : publication_metadata(p, server, {"channel", "userId"}, true);
  out += render(p.id, envelope_type(p.event_type), p.data, p.time_ms, metadata);
}

}  // namespace sb::dialects::envelope

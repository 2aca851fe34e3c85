#include "dialects/topics/topics_protocol.h"

#include <simdjson.h>

#include "dialects/publication_metadata.h"
#include "hub/topic.h"
#include "json/json_writer.h"

namespace sb::dialects::topics {

namespace {

ClientMessage fail(std::string message, std::string field, std::string issue) {
  ClientMessage m;
  m.ok = false;
  m.error_message = std::move(message);
  m.error_field = std::move(field);
  m.error_issue = std::move(issue);
  return m;
}

}  // namespace

ClientMessage parse_client_message(std::string_view text) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(text.data(), text.size()).get(doc) != simdjson::SUCCESS) {
    return fail("Invalid message format", "", "invalid JSON");
  }
  simdjson::dom::object object;
  if (doc.get_object().get(object) != simdjson::SUCCESS) {
    return fail("Invalid message format", "", "message must be a JSON object");
  }
  std::string_view type;
  if (object["type"].get_string().get(type) != simdjson::SUCCESS) {
    return fail("Invalid message format", "type", "required");
  }
  ClientMessage m;
  if (type == "ping") {
    m.type = ClientType::kPing;
    m.ok = true;
    return m;
  }
  if (type == "auth") {
    std::string_view token;
    if (object["token"].get_string().get(token) != simdjson::SUCCESS || token.empty()) {
      return fail("Invalid message format", "token", "required");
    }
    m.type = ClientType::kAuth;
    m.token = token;
    m.ok = true;
    return m;
  }
  if (type == "subscribe" || type == "unsubscribe" || type == "message") {
    std::string_view topic;
    if (object["topic"].get_string().get(topic) != simdjson::SUCCESS || topic.empty()) {
      return fail("Invalid message format", "topic", "required");
    }
    m.topic = topic;
    if (type == "message") {
      if (!hub::is_valid_channel(topic)) return fail("Invalid topic", "topic", "invalid");
      m.type = ClientType::kMessage;
      simdjson::dom::element data;
      if (object["data"].get(data) == simdjson::SUCCESS) m.data = simdjson::minify(data);
      simdjson::dom::element metadata;
      if (object["metadata"].get(metadata) == simdjson::SUCCESS && !metadata.is_null()) {
        simdjson::dom::object meta_object;
        if (metadata.get_object().get(meta_object) != simdjson::SUCCESS) {
          return fail("Invalid message format", "metadata", "must be an object");
        }
        // Kept whole: it is shown under its own key, never merged with the server's fields.
        m.metadata = simdjson::minify(meta_object);
        if (m.metadata.size() <= 2) m.metadata.clear();
      }
      std::string_view event_type;
      if (object["eventType"].get_string().get(event_type) == simdjson::SUCCESS && !event_type.empty()) {
        m.event_type = event_type;
      } else {
        m.event_type = "message";
      }
    } else {
      if (!hub::is_valid_pattern(topic)) return fail("Invalid topic", "topic", "invalid");
      m.type = type == "subscribe" ? ClientType::kSubscribe : ClientType::kUnsubscribe;
      simdjson::dom::element since;
      if (m.type == ClientType::kSubscribe && object["since"].get(since) == simdjson::SUCCESS && !since.is_null()) {
        if (hub::has_wildcard(topic)) return fail("Cannot resume a pattern", "since", "one concrete topic only");
        hub::StreamPosition position;
        if (!parse_stream_position(since, position)) {
          return fail("Invalid message format", "since", "must be {\"offset\": <integer>, \"epoch\": <string>}");
        }
        m.since = std::move(position);
      }
    }
    m.ok = true;
    return m;
  }
  return fail("Unknown message type", "type", "unknown");
}

std::string render_auth_success(std::string_view user_id, uint64_t now_ms) {
  std::string out;
  json::ObjectWriter(out).string("type", "auth_success").string("userId", user_id)
      .string("timestamp", json::iso8601(now_ms)).end();
  return out;
}

std::string render_auth_error(std::string_view message, uint64_t now_ms) {
  std::string out;
  json::ObjectWriter(out).string("type", "auth_error").string("message", message).number("code", 401)
      .string("timestamp", json::iso8601(now_ms)).end();
  return out;
}

std::string render_subscription(bool subscribed, std::string_view topic, uint64_t now_ms,
                                const StreamState& stream) {
  std::string out;
  json::ObjectWriter w(out);
  w.string("type", subscribed ? "subscribed" : "unsubscribed").string("topic", topic);
  write_stream_state(w, stream);
  w.string("timestamp", json::iso8601(now_ms)).end();
  return out;
}

std::string render_pong(uint64_t now_ms) {
  std::string out;
  json::ObjectWriter(out).string("type", "pong").string("timestamp", json::iso8601(now_ms)).end();
  return out;
}

std::string render_error(int code, std::string_view message, std::string_view field, std::string_view issue,
                         uint64_t now_ms, uint64_t retry_after_ms) {
  std::string out;
  json::ObjectWriter w(out);
  w.string("type", "error").number("code", code).string("message", message);
  if (!field.empty() || !issue.empty() || retry_after_ms != 0) {
    std::string details;
    json::ObjectWriter d(details);
    if (!field.empty()) d.string("field", field);
    if (!issue.empty()) d.string("issue", issue);
    if (retry_after_ms != 0) d.number("retryAfter", static_cast<int64_t>(retry_after_ms));
    d.end();
    w.raw("details", details);
  }
  w.string("timestamp", json::iso8601(now_ms)).end();
  return out;
}

void render_publication(const hub::Publication& p, std::string& out) {
  json::ObjectWriter w(out);
  w.string("type", "message").string("topic", p.channel).string("eventType", p.event_type).raw("data", p.data);
  std::string sender;
  if (!p.sender_user_id.empty()) {
    json::ObjectWriter s(sender);
    s.string("senderId", p.sender_user_id);
    if (!p.sender_connection_id.empty()) s.string("senderConnectionId", p.sender_connection_id);
    sender.erase(0, 1);  // members only (left open): the braces come from publication_metadata
  }
  w.raw("metadata", publication_metadata(p, sender, {"senderId", "senderConnectionId"}));
  w.string("id", p.id);
  write_stream_position(w, p);
  w.string("timestamp", json::iso8601(p.time_ms)).end();
}

}  // namespace sb::dialects::topics

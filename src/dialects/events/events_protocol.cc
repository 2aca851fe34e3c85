#include "dialects/events/events_protocol.h"

#include <simdjson.h>

#include "dialects/json_fields.h"
#include "dialects/publication_metadata.h"
#include "json/json_writer.h"

namespace sb::dialects::events {

namespace {

constexpr std::string_view kVersion = "1.0";

ClientMessage fail(std::string message, std::string correlation_id = {}) {
  ClientMessage m;
  m.error_message = std::move(message);
  m.correlation_id = std::move(correlation_id);
  return m;
}

// A required id-like member of data (a string, or a number sent as one), 1..128 bytes.
bool required_id(simdjson::dom::object data, std::string_view key, std::string& out) {
  out = string_or_number(data, key);
  return !out.empty() && out.size() <= 128;
}

// An optional member that must be a JSON object or null when present: its text (minified),
// "null" when absent or null. False when of another type or too large.
bool object_or_null(simdjson::dom::object data, std::string_view key, std::string& out) {
  simdjson::dom::element value;
  if (data[key].get(value) != simdjson::SUCCESS || value.is_null()) {
    out = "null";
    return true;
  }
  if (!value.is_object()) return false;
  out = simdjson::minify(value);
  return out.size() <= kMaxFieldJson;
}

}  // namespace

ClientMessage parse_client_message(std::string_view text) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::object object;
  if (parser.parse(text.data(), text.size()).get_object().get(object) != simdjson::SUCCESS) {
    return fail("message must be a JSON object");
  }
  std::string correlation;
  simdjson::dom::object metadata;
  if (object["metadata"].get_object().get(metadata) == simdjson::SUCCESS) {
    correlation = string_or_number(metadata, "correlationId");
  }
  if (correlation.empty()) correlation = string_or_number(object, "correlationId");
  if (correlation.empty()) correlation = string_or_number(object, "id");
  if (correlation.size() > 128) correlation.resize(128);
  std::string_view type;
  if (object["type"].get_string().get(type) != simdjson::SUCCESS) return fail("type is required", correlation);
  simdjson::dom::object data;
  simdjson::dom::element data_value;
  if (object["data"].get(data_value) == simdjson::SUCCESS && !data_value.is_null()) {
    if (data_value.get_object().get(data) != simdjson::SUCCESS) return fail("data must be an object", correlation);
  } else if (parser.parse("{}", 2).get_object().get(data) != simdjson::SUCCESS) {
    return fail("data must be an object", correlation);
  }
  ClientMessage m;
  m.correlation_id = correlation;
  std::string_view s;
  auto fail_here = [&](std::string message) { return fail(std::move(message), correlation); };

  if (type == "connection.heartbeat.ping") {
    m.type = ClientType::kPing;
    simdjson::dom::element ts;
    if (data["timestamp"].get(ts) == simdjson::SUCCESS && (ts.is_string() || ts.is_number())) {
      m.client_timestamp = simdjson::minify(ts);
    }
  } else if (type == "connection.token.refresh") {
    m.type = ClientType::kTokenRefresh;
    if (data["token"].get_string().get(s) != simdjson::SUCCESS || s.empty()) {
      return fail_here("data.token is required");
    }
    m.token = s;
  } else if (type == "meeting.join" || type == "meeting.leave") {
    m.type = type == "meeting.join" ? ClientType::kMeetingJoin : ClientType::kMeetingLeave;
    if (!required_id(data, "meetingId", m.meeting_id)) return fail_here("data.meetingId is required");
    if (m.type == ClientType::kMeetingJoin) {
      m.role = "participant";
      if (data["role"].get_string().get(s) == simdjson::SUCCESS) m.role = s;
    }
  } else if (type == "meeting.chat.message") {
    m.type = ClientType::kMeetingChat;
    if (!required_id(data, "meetingId", m.meeting_id)) return fail_here("data.meetingId is required");
    if (data["message"].get_string().get(s) != simdjson::SUCCESS || s.empty()) {
      return fail_here("data.message must be a non-empty string");
    }
    if (s.size() > kMaxChatLength) {
      return fail_here("data.message is too long: at most " + std::to_string(kMaxChatLength) + " bytes");
    }
    m.text = s;
    simdjson::dom::element reply;
    if (data["replyTo"].get(reply) != simdjson::SUCCESS || reply.is_null()) {
      m.reply_to = "null";
    } else if (reply.get_string().get(s) == simdjson::SUCCESS && s.size() <= 128) {
      m.reply_to = simdjson::minify(reply);
    } else {
      return fail_here("data.replyTo must be a message id or null");
    }
  } else if (type == "decision.vote.cast") {
    m.type = ClientType::kVoteCast;
    if (!required_id(data, "decisionId", m.decision_id)) return fail_here("data.decisionId is required");
    if (data["vote"].get_string().get(s) != simdjson::SUCCESS) {
      return fail_here("data.vote must be approve, reject or abstain");
    }
    m.vote = s;
    simdjson::dom::element comment;
    if (data["comment"].get(comment) == simdjson::SUCCESS && !comment.is_null()) {
      if (comment.get_string().get(s) != simdjson::SUCCESS || s.size() > kMaxCommentLength) {
        return fail_here("data.comment must be a string of at most " + std::to_string(kMaxCommentLength) + " bytes");
      }
      m.text = s;
    }
  } else if (type == "presence.update") {
    m.type = ClientType::kPresenceUpdate;
    if (data["status"].get_string().get(s) != simdjson::SUCCESS) return fail_here("data.status is required");
    m.status = s;
    if (!object_or_null(data, "activity", m.activity)) {
      return fail_here("data.activity must be an object of at most " + std::to_string(kMaxFieldJson) + " bytes");
    }
  } else if (type == "presence.subscribe" || type == "presence.unsubscribe") {
    m.type = type == "presence.subscribe" ? ClientType::kPresenceSubscribe : ClientType::kPresenceUnsubscribe;
    if (!required_id(data, "roomId", m.room_id)) return fail_here("data.roomId is required");
  } else if (type == "notification.acknowledge") {
    m.type = ClientType::kNotificationAck;
    if (!required_id(data, "notificationId", m.notification_id)) return fail_here("data.notificationId is required");
  } else if (type == "collaboration.cursor") {
    m.type = ClientType::kCursor;
    if (!required_id(data, "documentId", m.document_id)) return fail_here("data.documentId is required");
    simdjson::dom::object position;
    if (data["position"].get_object().get(position) != simdjson::SUCCESS) {
      return fail_here("data.position must be an object");
    }
    m.position = simdjson::minify(position);
    if (m.position.size() > kMaxFieldJson || !object_or_null(data, "selection", m.selection)) {
      return fail_here("data.position and data.selection must be objects of at most " +
                       std::to_string(kMaxFieldJson) + " bytes");
    }
  } else if (type == "collaboration.typing") {
    m.type = ClientType::kTyping;
    if (!required_id(data, "roomId", m.room_id)) return fail_here("data.roomId is required");
    bool typing = false;
    if (data["isTyping"].get_bool().get(typing) != simdjson::SUCCESS) {
      return fail_here("data.isTyping must be a boolean");
    }
    m.is_typing = typing;
  } else if (type == "subscribe" || type == "unsubscribe") {
    m.type = type == "subscribe" ? ClientType::kSubscribe : ClientType::kUnsubscribe;
    simdjson::dom::array list;
    if (data["channels"].get_array().get(list) != simdjson::SUCCESS) {
      return fail_here("data.channels must be a list of channel names");
    }
    for (auto item : list) {
      if (item.get_string().get(s) != simdjson::SUCCESS) return fail_here("channel names must be strings");
      m.channels.emplace_back(s);
    }
    if (m.channels.empty() || m.channels.size() > 100) return fail_here("give 1 to 100 channels");
    simdjson::dom::element since;
    if (m.type == ClientType::kSubscribe && data["since"].get(since) == simdjson::SUCCESS && !since.is_null()) {
      std::string error = parse_since_map(since, m.channels, "data.since", m.since);
      if (!error.empty()) return fail_here(error);
    }
  } else {
    return fail_here("unknown message type: " + std::string(type.substr(0, 64)));
  }
  m.ok = true;
  return m;
}

std::string render(std::string_view id, std::string_view type, std::string_view data_json, uint64_t time_ms,
                   std::string_view user_id, std::string_view correlation_id, std::string_view metadata_extra) {
  std::string metadata;
  json::ObjectWriter m(metadata);
  m.string("timestamp", json::iso8601(time_ms));
  if (!user_id.empty()) m.string("userId", user_id);
  if (!correlation_id.empty()) m.string("correlationId", correlation_id);
  m.string("version", kVersion).end();
  if (!metadata_extra.empty()) {
    metadata.pop_back();
    metadata += ',';
    metadata += metadata_extra;
    metadata += '}';
  }
  std::string out;
  json::ObjectWriter(out).string("id", id).string("type", type).raw("data", data_json).raw("metadata", metadata).end();
  return out;
}

std::string render_error(std::string_view id, std::string_view code, std::string_view message, bool retryable,
                         uint64_t retry_after_ms, std::string_view details_json, std::string_view correlation_id,
                         uint64_t now_ms, std::string_view user_id) {
  std::string data;
  json::ObjectWriter d(data);
  d.string("code", code).string("message", message).raw("details", details_json.empty() ? "{}" : details_json);
  if (!correlation_id.empty()) d.string("correlationId", correlation_id); else d.null("correlationId");
  d.boolean("retryable", retryable);
  if (retry_after_ms != 0) d.number("retryAfter", static_cast<int64_t>(retry_after_ms));
  d.end();
  return render(id, "error", data, now_ms, user_id, correlation_id);
}

std::string events_type(std::string_view event_type) {
  if (event_type == "presence.join" || event_type == "presence.leave") return "presence.changed";
  if (event_type == "typing") return "collaboration.typing.update";
  if (event_type == "cursor") return "collaboration.cursor.update";
  if (event_type == "maintenance") return "system.maintenance";
  if (event_type == "NOTIFICATION") return "notification.send";
  // Other dialects' backends speak UPPER_SNAKE: shown in this dialect's dot notation.
  bool upper = !event_type.empty();
  for (char c : event_type) upper = upper && !(c >= 'a' && c <= 'z');
  if (!upper) return std::string(event_type);
  std::string out;
  out.reserve(event_type.size());
  for (char c : event_type) {
    out += (c == '_' || c == '-' || c == ' ') ? '.' : (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return out;
}

std::string room_id_of(std::string_view channel) {
  if (channel.starts_with("meeting:")) return std::string(channel.substr(8));
  return std::string(channel);
}

std::string room_channel(std::string_view room_id) {
  if (room_id.find_first_of(".:") != std::string_view::npos) return std::string(room_id);
  return "meeting:" + std::string(room_id);
}

std::string document_channel(std::string_view document_id) {
  if (document_id.find_first_of(".:") != std::string_view::npos) return std::string(document_id);
  return "document:" + std::string(document_id);
}

std::string cursor_colour(std::string_view user_id) {
  // A fixed palette of distinct, readable colours; FNV-1a of the id picks one, so the
  // colour is the same wherever the user appears.
  static constexpr std::string_view kPalette[] = {"#4A90E2", "#E24A6F", "#50B86C", "#F5A623", "#9B59B6",
                                                  "#1ABC9C", "#E67E22", "#34495E", "#D35400", "#16A085",
                                                  "#C0392B", "#2980B9"};
  uint32_t hash = 2166136261u;
  for (char c : user_id) hash = (hash ^ static_cast<uint8_t>(c)) * 16777619u;
  return std::string(kPalette[hash % (sizeof kPalette / sizeof kPalette[0])]);
}

namespace {

// The data of the core's relays (presence, typing, cursors) in the seed's shape.
std::string relay_data(const hub::Publication& p) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::object in;
  if (parser.parse(p.data).get_object().get(in) != simdjson::SUCCESS) return p.data;
  std::string_view user_id = p.sender_user_id, name = p.sender_name, s;
  simdjson::dom::object user;
  if (in["user"].get_object().get(user) == simdjson::SUCCESS) {
    if (user["id"].get_string().get(s) == simdjson::SUCCESS) user_id = s;
    if (user["name"].get_string().get(s) == simdjson::SUCCESS) name = s;
  }
  if (in["userId"].get_string().get(s) == simdjson::SUCCESS) user_id = s;
  if (name.empty()) name = user_id;
  std::string out;
  json::ObjectWriter w(out);
  if (p.event_type == "presence.join" || p.event_type == "presence.leave") {
    bool joined = p.event_type == "presence.join";
    w.string("roomId", room_id_of(p.channel)).string("userId", user_id);
    if (joined) w.string("userName", name);
    w.string("status", joined ? "online" : "offline").null("activity")
        .string("lastSeen", json::iso8601(p.time_ms)).end();
    return out;
  }
  if (p.event_type == "typing") {
    bool typing = false;
    if (in["isTyping"].get_bool().get(typing) != simdjson::SUCCESS) typing = false;
    w.string("roomId", room_id_of(p.channel)).string("userId", user_id).string("userName", name)
        .boolean("isTyping", typing).end();
    return out;
  }
  // A cursor: the seed's fields first, then whatever else another dialect's client sent.
  std::string_view document = p.channel;
  if (document.starts_with("document:")) document.remove_prefix(9);
  w.string("documentId", document).string("userId", user_id).string("userName", name)
      .string("color", cursor_colour(user_id)).end();
  out.pop_back();  // reopened: the client's other fields follow, keys escaped
  for (auto field : in) {
    if (field.key == "channelId" || field.key == "userId" || field.key == "user" || field.key == "documentId" ||
        field.key == "userName" || field.key == "color") {
      continue;
    }
    out += ',';
    json::append_string(out, field.key);
    out += ':';
    out += simdjson::minify(field.value);
  }
  out += '}';
  return out;
}

}  // namespace

void render_publication(const hub::Publication& p, std::string& out, std::string_view correlation_id) {
  std::string server;
  json::ObjectWriter m(server);  // left open: members only
  m.string("timestamp", json::iso8601(p.time_ms));
  if (!p.sender_user_id.empty()) m.string("userId", p.sender_user_id);
  if (!correlation_id.empty()) m.string("correlationId", correlation_id);
  m.string("version", kVersion).string("channel", p.channel);
  server.erase(0, 1);
  // The stream position is the server's word: a backend's "offset" is dropped beside it,
  // and so is a backend's "correlationId" (only a request's sender is given one).
  std::string metadata =
      p.sender_user_id.empty()
          ? publication_metadata(p, server, {"timestamp", "version", "channel", "correlationId"}, true)
          : publication_metadata(p, server, {"timestamp", "version", "channel", "userId", "correlationId"}, true);
  bool relay = p.event_type == "presence.join" || p.event_type == "presence.leave" || p.event_type == "typing" ||
               p.event_type == "cursor";
  std::string data = relay ? relay_data(p) : std::string();
  json::ObjectWriter(out).string("id", p.id).string("type", events_type(p.event_type))
      .raw("data", relay ? std::string_view(data) : std::string_view(p.data)).raw("metadata", metadata).end();
}

}  // namespace sb::dialects::events

#include "dialects/socketio/socketio_protocol.h"

#include <simdjson.h>

#include "dialects/json_fields.h"
#include "features/actions/action_registry.h"
#include "json/json_writer.h"
#include "protocol/engineio/engineio_packet.h"
#include "protocol/socketio/socketio_packet.h"

namespace sb::dialects::socketio {

namespace sio = protocol::socketio;
namespace eio = protocol::engineio;

namespace {

Request refuse(std::string why, std::string request_id = {}) {
  Request r;
  r.error = std::move(why);
  r.request_id = std::move(request_id);
  return r;
}

Request from_object(simdjson::dom::object object) {
  std::string request_id = string_or_number(object, "requestId");
  std::string_view text;
  simdjson::dom::element value;
  if (object["type"].get_string().get(text) != simdjson::SUCCESS || text != "REQUEST") {
    return refuse("type must be \"REQUEST\"", request_id);
  }
  if (request_id.empty()) return refuse("requestId is required", request_id);
  Request r;
  if (object["action"].get_string().get(text) != simdjson::SUCCESS || text.empty()) {
    return refuse("action is required", request_id);
  }
  if (!features::actions::is_plain_action_name(text)) {
    return refuse("action must be letters, digits, '_' and '-', with single dots between them, at most 128 bytes",
                  request_id);
  }
  r.action = text;
  r.request_id = std::move(request_id);
  if (object["data"].get(value) == simdjson::SUCCESS) r.data = simdjson::minify(value);
  r.ok = true;
  return r;
}

}  // namespace

std::string event_name(std::string_view event_array) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::array array;
  if (parser.parse(event_array.data(), event_array.size()).get_array().get(array) != simdjson::SUCCESS) return {};
  std::string_view name;
  if (array.at(0).get_string().get(name) != simdjson::SUCCESS) return {};
  return std::string(name);
}

Request parse_request(std::string_view event_array) {
  thread_local simdjson::dom::parser outer;
  simdjson::dom::array array;
  if (outer.parse(event_array.data(), event_array.size()).get_array().get(array) != simdjson::SUCCESS) {
    return refuse("the event is not a JSON array");
  }
  simdjson::dom::element argument;
  if (array.at(1).get(argument) != simdjson::SUCCESS) return refuse("the message has no content");
  simdjson::dom::object object;
  if (argument.get_object().get(object) == simdjson::SUCCESS) return from_object(object);
  std::string_view text;
  if (argument.get_string().get(text) != simdjson::SUCCESS) return refuse("the message must be a JSON string or object");
  thread_local simdjson::dom::parser inner;
  if (inner.parse(text.data(), text.size()).get_object().get(object) != simdjson::SUCCESS) {
    return refuse("the message is not a JSON object");
  }
  return from_object(object);
}

std::string render_response(std::string_view request_id, std::string_view action, std::string_view data_json) {
  std::string out;
  json::ObjectWriter(out).string("type", "RESPONSE").string("requestId", request_id).string("action", action)
      .raw("data", data_json).end();
  return out;
}

std::string render_error(std::string_view request_id, std::string_view action, std::string_view code,
                         std::string_view message, uint64_t retry_after_ms) {
  std::string error;
  json::ObjectWriter e(error);
  e.string("code", code).string("message", message);
  if (retry_after_ms != 0) e.number("retryAfter", static_cast<int64_t>(retry_after_ms));
  e.end();
  std::string out;
  json::ObjectWriter w(out);
  w.string("type", "ERROR");
  if (!request_id.empty()) w.string("requestId", request_id); else w.null("requestId");
  if (!action.empty()) w.string("action", action);
  w.raw("error", error).end();
  return out;
}

std::string render_update(const hub::Publication& p) {
  std::string out;
  json::ObjectWriter w(out);
  w.string("type", p.event_type);
  if (p.metadata.size() > 2) {
    // A backend's update names the request and action it belongs to in its metadata.
    thread_local simdjson::dom::parser parser;
    simdjson::dom::object metadata;
    std::string_view text;
    if (parser.parse(p.metadata).get_object().get(metadata) == simdjson::SUCCESS) {
      if (metadata["requestId"].get_string().get(text) == simdjson::SUCCESS) w.string("requestId", text);
      if (metadata["action"].get_string().get(text) == simdjson::SUCCESS) w.string("action", text);
    }
  }
  if (!p.sender_user_id.empty()) w.string("userId", p.sender_user_id);
  w.raw("data", p.data).end();
  return out;
}

std::string message_packet(std::string_view text) {
  std::string data = "[\"message\",";
  json::append_string(data, text);
  data += ']';
  std::string out;
  eio::append_text_packet(out, eio::PacketType::kMessage);
  sio::append(out, sio::Packet{sio::PacketType::kEvent, 0, "/", false, 0, data});
  return out;
}

std::string message_head(std::string_view text) {
  std::string out = message_packet(text);
  out.pop_back();  // the array's closing bracket: the tail closes it
  return out;
}

std::string message_tail(std::string_view offset) {
  if (offset.empty()) return "]";
  std::string out = ",";
  json::append_string(out, offset);
  out += ']';
  return out;
}

std::string ack_packet(uint64_t ack_id, std::string_view text) {
  std::string data = "[";
  json::append_string(data, text);
  data += ']';
  std::string out;
  eio::append_text_packet(out, eio::PacketType::kMessage);
  sio::append(out, sio::Packet{sio::PacketType::kAck, 0, "/", true, ack_id, data});
  return out;
}

std::string open_packet(std::string_view sid, bool offer_websocket, uint32_t ping_interval_ms,
                        uint32_t ping_timeout_ms, uint32_t max_payload) {
  std::string handshake;
  json::ObjectWriter(handshake).string("sid", sid).raw("upgrades", offer_websocket ? "[\"websocket\"]" : "[]")
      .number("pingInterval", ping_interval_ms).number("pingTimeout", ping_timeout_ms)
      .number("maxPayload", max_payload).end();
  std::string out;
  eio::append_text_packet(out, eio::PacketType::kOpen, handshake);
  return out;
}

protocol::http::HttpResponse polling_response(std::string payload) {
  protocol::http::HttpResponse r;
  r.content_type = "text/plain; charset=UTF-8";
  r.body = std::move(payload);
  return r;
}

protocol::http::HttpResponse engine_error_response(eio::RequestError error) {
  protocol::http::HttpResponse r;
  r.status = error == eio::RequestError::kForbidden ? 403 : 400;
  r.body = eio::error_body(error);
  return r;
}

}  // namespace sb::dialects::socketio

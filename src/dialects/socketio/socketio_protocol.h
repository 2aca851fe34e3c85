#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "hub/publication.h"
#include "protocol/engineio/engineio_packet.h"
#include "protocol/http/response.h"

// The seed 001 messages inside Socket.IO: a client emits `message` with a JSON string (or
// an object) {type: "REQUEST", requestId, action, data}; the server answers on `message`
// with a JSON string {type: "RESPONSE" | "ERROR" | "UPDATE", requestId, action, data | error}.
// Parsing and rendering only, no I/O.
namespace sb::dialects::socketio {

// A client's REQUEST, or why it is not one.
struct Request {
  bool ok = false;
  std::string request_id;  // echoed on the answer (also when the request is refused)
  std::string action;
  std::string data = "null";  // JSON text
  std::string error;          // when !ok: what is wrong
};

// The arguments of a `message` event (the JSON text of the EVENT's array) parsed as a
// REQUEST: the first argument after the event name is a JSON string holding the request,
// or the request object itself.
Request parse_request(std::string_view event_array);
// The event name of an EVENT packet's array (`["message", ...]`), or empty when it has none.
std::string event_name(std::string_view event_array);

// {"type":"RESPONSE","requestId","action","data"} as JSON text.
std::string render_response(std::string_view request_id, std::string_view action, std::string_view data_json);
// {"type":"ERROR","requestId","action","error":{"code","message"[,"retryAfter"]}}.
std::string render_error(std::string_view request_id, std::string_view action, std::string_view code,
                         std::string_view message, uint64_t retry_after_ms = 0);
// A publication as the seed's message: {"type": UPDATE for /api/updates, else the event
// type, "requestId"/"action" from the backend's metadata when present, "data"}.
std::string render_update(const hub::Publication& publication);

// Engine.IO + Socket.IO framing of a `message` event carrying text as a JSON string:
// `42["message","<text escaped>"]`, or with ack_id the ACK `43<id>["<text escaped>"]`.
std::string message_packet(std::string_view text);
// The same event in two parts, for an offset that differs per session after a body shared
// by all (connection state recovery): the head `42["message","<text escaped>"`, and the
// tail `,"<offset>"]` (just `]` for an empty offset).
std::string message_head(std::string_view text);
std::string message_tail(std::string_view offset);
std::string ack_packet(uint64_t ack_id, std::string_view text);
// The Engine.IO open packet: `0{"sid","upgrades","pingInterval","pingTimeout","maxPayload"}`;
// upgrades lists "websocket" for a socket opened by polling.
std::string open_packet(std::string_view sid, bool offer_websocket, uint32_t ping_interval_ms,
                        uint32_t ping_timeout_ms, uint32_t max_payload);
// A polling answer: 200 with the payload as text/plain.
protocol::http::HttpResponse polling_response(std::string payload);
// An Engine.IO request error as the reference server answers it: 400 (403 for Forbidden)
// with {"code","message"}.
protocol::http::HttpResponse engine_error_response(protocol::engineio::RequestError error);

}  // namespace sb::dialects::socketio

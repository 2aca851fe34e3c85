#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "dialects/stream_position.h"
#include "hub/publication.h"

// Wire format of the `rooms` dialect: {type, payload?, timestamp (ms), id?}. Parsing of
// client messages and rendering of server messages; no I/O, so the fuzzer can drive it.
namespace sb::dialects::rooms {

enum class ClientType { kPing, kSubscribe, kUnsubscribe, kMessage };

struct ClientMessage {
  bool ok = false;
  ClientType type = ClientType::kPing;
  std::string id;          // the client's id, echoed on the answer ("" when absent)
  std::string room;
  std::string content = "null";  // JSON text of payload.content
  std::optional<hub::StreamPosition> since;  // subscribe: payload.since, resume after it
  // On error: a code such as INVALID_MESSAGE and a readable message.
  std::string error_code;
  std::string error_message;
};

// Parses one client message. The room comes from payload.room, a string payload, or a
// top-level "room".
ClientMessage parse_client_message(std::string_view text);

// {"type":type,"payload":payload_json,"timestamp":ms[,"id":id]}
std::string render(std::string_view type, std::string_view payload_json, uint64_t now_ms, std::string_view id = {});
// An error: payload {code, message[, retryAfter]}.
std::string render_error(std::string_view code, std::string_view message, uint64_t now_ms, std::string_view id = {},
                         uint64_t retry_after_ms = 0);
// A publication as this dialect shows it: "message" events become
// {"type":"message","payload":{"room","content","from":{"id","name"}}}, "notification"
// events {"type":"notification","payload":data}, others {"type":event,"payload":data}. On a
// channel that keeps history the payload also carries "offset" and "epoch" (an object
// payload gains them; the server's values replace any of the same name).
void render_publication(const hub::Publication& publication, std::string& out);

}  // namespace sb::dialects::rooms

#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "dialects/stream_position.h"
#include "hub/publication.h"

// Wire format of the `topics` dialect (lowercase `type`, `topic`, `data`): parsing client
// messages and rendering server messages. No I/O here, so the fuzzer can drive it.
namespace sb::dialects::topics {

enum class ClientType { kAuth, kSubscribe, kUnsubscribe, kMessage, kPing };

// A parsed client message, or the error to answer with.
struct ClientMessage {
  bool ok = false;
  ClientType type = ClientType::kPing;
  std::string token;
  std::string topic;
  std::string event_type;
  std::string data = "null";  // JSON text
  std::string metadata;       // the client's metadata object (JSON text), or empty
  std::optional<hub::StreamPosition> since;  // subscribe: resume after this position
  // On error: code 400 with message and details (field, issue).
  std::string error_message;
  std::string error_field;
  std::string error_issue;
};

// Parses one client text message. Never throws; malformed input gives ok == false.
ClientMessage parse_client_message(std::string_view text);

// Server messages (JSON text, no frame header).
std::string render_auth_success(std::string_view user_id, uint64_t now_ms);
std::string render_auth_error(std::string_view message, uint64_t now_ms);
// stream: for a subscription, its history position and whether a resume recovered.
std::string render_subscription(bool subscribed, std::string_view topic, uint64_t now_ms,
                                const StreamState& stream = {});
std::string render_pong(uint64_t now_ms);
// {"type":"error","code":..,"message":..,"details":{field,issue[,retryAfter]},"timestamp":..}
// retry_after_ms: non-zero for a rate limit, the wait in ms before a message is accepted.
std::string render_error(int code, std::string_view message, std::string_view field,
                         std::string_view issue, uint64_t now_ms, uint64_t retry_after_ms = 0);
// The broadcast of a publication, as sent to every subscriber.
void render_publication(const hub::Publication& publication, std::string& out);

}  // namespace sb::dialects::topics

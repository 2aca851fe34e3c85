#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dialects/stream_position.h"
#include "hub/publication.h"

// Wire format of the `envelope` dialect (seed 000): {id, type (UPPERCASE), timestamp
// (ISO 8601), payload, metadata?}. Parsing and rendering only, no I/O.
namespace sb::dialects::envelope {

enum class ClientType {
  kAuth,
  kPing,
  kSubscribe,
  kUnsubscribe,
  kTyping,
  kCursor,
  kGetPresence,
  kNotificationRead,
};

struct ClientMessage {
  bool ok = false;
  ClientType type = ClientType::kPing;
  std::string id;                     // echoed as metadata.correlationId on answers
  std::string token;                  // AUTH
  std::vector<std::string> channels;  // SUBSCRIBE / UNSUBSCRIBE
  // SUBSCRIBE: payload.since, channel -> position to resume after (channels of the list only)
  SincePositions since;
  std::string channel;                // typing, cursor, presence
  bool is_typing = false;
  std::string cursor_fields;          // the cursor payload's members, without identity keys
  std::string notification_id;        // NOTIFICATION_READ (empty with all = true)
  bool all = false;
  std::string error_message;          // when !ok: why (answered as INVALID_MESSAGE)
};

ClientMessage parse_client_message(std::string_view text);

// {"id","type","timestamp","payload"[,"metadata"]}. metadata_json: an object or empty.
std::string render(std::string_view id, std::string_view type, std::string_view payload_json, uint64_t now_ms,
                   std::string_view metadata_json = {});
// An ERROR: payload {code, message[, details]}.
std::string render_error(std::string_view id, std::string_view code, std::string_view message, uint64_t now_ms,
                         std::string_view details_json = {}, std::string_view correlation_id = {});
// A publication: presence becomes USER_JOINED/USER_LEFT, typing TYPING_INDICATOR, cursors
// CURSOR_POSITION, other events keep their type (UPPERCASE, "message.sent" ->
// "MESSAGE_SENT"), with payload = data and metadata {channel, userId, offset?, epoch?, ...}.
void render_publication(const hub::Publication& publication, std::string& out);
// The envelope type for an event type.
std::string envelope_type(std::string_view event_type);

}  // namespace sb::dialects::envelope

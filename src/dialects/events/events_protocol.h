#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dialects/stream_position.h"
#include "hub/publication.h"

// Wire format of the `events` dialect (seed 003): every message is {id, type (dot
// notation), data, metadata{timestamp, userId, correlationId, version}}. Parsing and
// rendering only, no I/O.
namespace sb::dialects::events {

enum class ClientType {
  kPing,              // connection.heartbeat.ping
  kTokenRefresh,      // connection.token.refresh
  kMeetingJoin,       // meeting.join
  kMeetingLeave,      // meeting.leave
  kMeetingChat,       // meeting.chat.message
  kVoteCast,          // decision.vote.cast
  kPresenceUpdate,    // presence.update
  kPresenceSubscribe, // presence.subscribe
  kPresenceUnsubscribe,  // presence.unsubscribe
  kNotificationAck,   // notification.acknowledge
  kCursor,            // collaboration.cursor
  kTyping,            // collaboration.typing
  kSubscribe,         // subscribe
  kUnsubscribe,       // unsubscribe
};

inline constexpr size_t kMaxChatLength = 4000;     // characters of a chat message, in bytes
inline constexpr size_t kMaxCommentLength = 1000;  // of a vote's comment
inline constexpr size_t kMaxFieldJson = 2048;      // an activity, a cursor position or selection

struct ClientMessage {
  bool ok = false;
  ClientType type = ClientType::kPing;
  std::string correlation_id;  // metadata.correlationId, else correlationId, else id
  std::string token;           // token refresh
  std::string meeting_id;      // meeting.*
  std::string role;            // meeting.join (default "participant")
  std::string text;            // chat message; vote comment
  std::string reply_to;        // chat: JSON string or null
  std::string decision_id;
  std::string vote;            // approve, reject or abstain (checked by the session)
  std::string status;          // presence.update
  std::string activity;        // presence.update: JSON object or null
  std::string room_id;         // presence.subscribe, typing
  std::string notification_id;
  std::string document_id;     // cursor
  std::string position;        // cursor: JSON object
  std::string selection;       // cursor: JSON object or null
  bool is_typing = false;
  std::string client_timestamp;  // heartbeat: the client's timestamp, as sent (JSON text)
  std::vector<std::string> channels;  // subscribe / unsubscribe
  SincePositions since;               // subscribe: data.since, channel -> position to resume after
  std::string error_message;   // when !ok: why (answered as INVALID_MESSAGE)
};

ClientMessage parse_client_message(std::string_view text);

// A message of the dialect. data_json: an object's text. user_id empty: metadata has no
// userId. metadata_extra: more members for metadata (already JSON, may be empty).
std::string render(std::string_view id, std::string_view type, std::string_view data_json, uint64_t time_ms,
                   std::string_view user_id, std::string_view correlation_id, std::string_view metadata_extra = {});
// An `error`: data {code, message, details, correlationId, retryable[, retryAfter]}.
// retry_after_ms 0: no retryAfter. details_json empty: {}.
std::string render_error(std::string_view id, std::string_view code, std::string_view message, bool retryable,
                         uint64_t retry_after_ms, std::string_view details_json, std::string_view correlation_id,
                         uint64_t now_ms, std::string_view user_id);
// A publication as the dialect shows it: the core's presence, typing and cursor relays
// become presence.changed, collaboration.typing.update and collaboration.cursor.update
// with the seed's fields; UPPER_SNAKE types of other dialects' backends become dot
// notation (MATTER_UPDATED -> matter.updated); a stored NOTIFICATION is notification.send.
// metadata carries the channel and the sender as userId.
void render_publication(const hub::Publication& publication, std::string& out, std::string_view correlation_id = {});

// The type a publication's event type is shown as.
std::string events_type(std::string_view event_type);
// The room a channel stands for in this dialect ("meeting:123" -> "123"; others as they are).
std::string room_id_of(std::string_view channel);
// The channel a room id or document id names: an id without separators is the meeting
// (or document) of that id; a name with ':' or '.' is taken as a channel.
std::string room_channel(std::string_view room_id);
std::string document_channel(std::string_view document_id);
// A colour for a user's cursor, the same on every connection and node ("#RRGGBB").
std::string cursor_colour(std::string_view user_id);

}  // namespace sb::dialects::events

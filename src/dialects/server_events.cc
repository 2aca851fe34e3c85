#include "dialects/server_events.h"

#include <array>
#include <string>

namespace sb::dialects {

namespace {

// Normalised (UPPERCASE, '_' for separators) server message types of every dialect.
constexpr std::array<std::string_view, 27> kServerTypes = {
    // core relays and switches; /api/messages
    "PRESENCE_JOIN", "PRESENCE_LEAVE", "TYPING", "CURSOR", "MAINTENANCE", "MESSAGE_SENT",
    // envelope (seed 000)
    "CONNECTION_ESTABLISHED", "ERROR", "USER_JOINED", "USER_LEFT", "TYPING_INDICATOR", "CURSOR_POSITION",
    "NOTIFICATION", "SUBSCRIPTION_CONFIRMED", "UNSUBSCRIBED", "PRESENCE_LIST", "NOTIFICATION_READ_CONFIRMED", "PONG",
    // rooms (seed 004)
    "CONNECTED", "SUBSCRIBED",
    // topics (seed 002)
    "AUTH_SUCCESS", "AUTH_ERROR",
    // socketio (seed 001): answers and company/artifact updates
    "RESPONSE", "UPDATE",
    // events (seed 003), besides the families below
    "MEETING_AGENDA_UPDATE", "MEETING_CHAT_MESSAGE", "COLLABORATION_TYPING_UPDATE",
};

// Whole families of server messages (seed 003's dot-notation types among them).
constexpr std::array<std::string_view, 7> kServerPrefixes = {
    "CONNECTION_", "PRESENCE_", "SUBSCRIPTION_", "NOTIFICATION_", "MEETING_PARTICIPANT_", "DECISION_",
    "COLLABORATION_CURSOR_",
};

}  // namespace

bool is_server_event_type(std::string_view event_type) {
  // `$` types are the server's orders to its own sessions (hub::kDisconnectOrder).
  if (event_type.starts_with('$')) return true;
  std::string normal;
  normal.reserve(event_type.size());
  for (char c : event_type) {
    if (c == '.' || c == '-' || c == ' ') c = '_';
    else if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    normal += c;
  }
  for (std::string_view type : kServerTypes) {
    if (normal == type) return true;
  }
  for (std::string_view prefix : kServerPrefixes) {
    if (normal.starts_with(prefix)) return true;
  }
  return false;
}

}  // namespace sb::dialects

#pragma once
#include <string_view>

namespace sb::dialects {

// Whether an event type is one that only the server or a backend may emit: the messages a
// dialect shows as the server's own (envelope CONNECTION_ESTABLISHED, ERROR, USER_JOINED,
// NOTIFICATION, MAINTENANCE...; rooms connected, notification, error; the core's presence,
// typing and cursor relays; /api/messages' message.sent). A client publication with such a
// type is refused, so no dialect ever renders a client's message as a server message.
// Compared after normalising case and the separators '.', '-' and ' ' (so "user.joined"
// and "USER_JOINED" are the same type); every type starting with '$' is the server's. This list is the one place to extend when a
// dialect gains server messages.
bool is_server_event_type(std::string_view event_type);

}  // namespace sb::dialects

// Arbitrary text as an events-dialect client message; whatever parses is rendered back the
// way the server would relay it (a cursor, a typing indicator, a presence change), and the
// text itself is rendered as a publication's data, as another dialect's client may send it.
#include <cstdint>
#include <string>

#include "dialects/events/events_protocol.h"
#include "json/iso8601.h"

namespace events = sb::dialects::events;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto message = events::parse_client_message(text);
  std::string out;
  if (message.ok) {
    sb::hub::Publication p;
    p.channel = events::document_channel(message.document_id.empty() ? "d" : message.document_id);
    p.event_type = message.type == events::ClientType::kCursor ? "cursor" : "typing";
    p.data = "{\"position\":" + (message.position.empty() ? std::string("null") : message.position) + "}";
    p.sender_user_id = message.room_id;
    events::render_publication(p, out);
    (void)sb::json::parse_iso8601(message.client_timestamp);
  } else {
    out = events::render_error("1", "INVALID_MESSAGE", message.error_message, false, 0, {}, message.correlation_id, 0,
                               "u");
  }
  // Whatever another dialect's client published, rendered as every relay type.
  for (const char* type : {"cursor", "typing", "presence.join", "presence.leave", "MATTER_UPDATED"}) {
    sb::hub::Publication p;
    p.channel = "meeting:1";
    p.event_type = type;
    p.data = std::string(text);
    p.metadata = "{\"k\":1}";
    out.clear();
    events::render_publication(p, out);
  }
  (void)sb::json::parse_iso8601(text);
  return 0;
}

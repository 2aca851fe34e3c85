// Arbitrary text as a rooms-dialect client message; whatever parses is rendered back.
#include <cstdint>
#include <string>

#include "dialects/rooms/rooms_protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto message = sb::dialects::rooms::parse_client_message(text);
  if (message.ok) {
    sb::hub::Publication p;
    p.channel = message.room;
    p.event_type = "message";
    p.data = message.content;
    p.sender_user_id = "u";
    std::string out;
    sb::dialects::rooms::render_publication(p, out);
    // A numbered publication of another event type: its payload gains the stream position.
    p.event_type = "alert";
    p.offset = 7;
    p.epoch = "abcd";
    out.clear();
    sb::dialects::rooms::render_publication(p, out);
  } else {
    (void)sb::dialects::rooms::render_error(message.error_code, message.error_message, 0, message.id, 5);
  }
  return 0;
}

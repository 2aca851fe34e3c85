// Arbitrary text as an envelope-dialect client message; whatever parses is rendered back.
#include <cstdint>
#include <string>

#include "dialects/envelope/envelope_protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto message = sb::dialects::envelope::parse_client_message(text);
  if (message.ok) {
    sb::hub::Publication p;
    p.channel = message.channel.empty() ? "c" : message.channel;
    p.event_type = message.type == sb::dialects::envelope::ClientType::kCursor ? "cursor" : "typing";
    p.data = "{" + message.cursor_fields + "}";
    p.metadata = "{\"k\":1}";
    std::string out;
    sb::dialects::envelope::render_publication(p, out);
  } else {
    (void)sb::dialects::envelope::render_error("1", "INVALID_MESSAGE", message.error_message, 0, {}, message.id);
  }
  return 0;
}

// Arbitrary text as a topics-dialect client message; whatever parses is rendered back.
#include <cstdint>
#include <string>

#include "dialects/topics/topics_protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto message = sb::dialects::topics::parse_client_message(text);
  if (message.ok && message.type == sb::dialects::topics::ClientType::kMessage) {
    sb::hub::Publication p;
    p.channel = message.topic;
    p.event_type = message.event_type;
    p.data = message.data;
    p.metadata = message.metadata;
    p.sender_user_id = "u";
    std::string out;
    sb::dialects::topics::render_publication(p, out);
  } else if (!message.ok) {
    (void)sb::dialects::topics::render_error(400, message.error_message, message.error_field, message.error_issue, 0);
  }
  return 0;
}

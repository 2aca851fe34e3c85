// The socketio dialect's own parsing (a `message` event's REQUEST, event names) on
// fuzzer-chosen event arrays: never a crash, and a refused request says why.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "dialects/socketio/socketio_protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)sb::dialects::socketio::event_name(text);
  auto request = sb::dialects::socketio::parse_request(text);
  if (!request.ok && request.error.empty()) std::abort();
  if (request.ok && (request.request_id.empty() || request.action.empty())) std::abort();
  return 0;
}

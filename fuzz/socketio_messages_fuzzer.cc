// The socketio dialect's own parsing (a `message` event's REQUEST, event names, recovery
// offsets and pids, session ids, the messages relayed between nodes) on fuzzer-chosen text:
// never a crash, a refused request says why, an offset that parses formats back to text
// that parses to the same positions, and a relay message re-encodes to the same fields.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "dialects/socketio/recovery_offset.h"
#include "dialects/socketio/relay_message.h"
#include "dialects/socketio/session_id.h"
#include "dialects/socketio/socketio_protocol.h"

namespace {

void check_offsets(std::string_view text) {
  namespace sio = sb::dialects::socketio;
  for (size_t expected = 1; expected <= 3; ++expected) {
    std::vector<sb::hub::StreamPosition> positions;
    if (!sio::parse_positions(text, expected, positions)) continue;
    if (positions.size() != expected) std::abort();
    std::vector<sb::hub::StreamPosition> again;
    if (!sio::parse_positions(sio::format_positions(positions), expected, again)) std::abort();
    for (size_t i = 0; i < expected; ++i) {
      if (again[i].offset != positions[i].offset || again[i].epoch != positions[i].epoch) std::abort();
    }
    if (!sio::pid_positions(sio::new_pid(positions), expected, again)) std::abort();
  }
  std::vector<sb::hub::StreamPosition> ignored;
  (void)sio::pid_positions(text, 2, ignored);
}

void check_relay(std::string_view text) {
  namespace sio = sb::dialects::socketio;
  sio::RelayMessage message;
  if (sio::decode_relay_message(text, message)) {
    sio::RelayMessage again;  // views into encoded
    std::string encoded = sio::encode_relay_message(message);
    if (!sio::decode_relay_message(encoded, again)) std::abort();
    if (again.kind != message.kind || again.sid != message.sid || again.ref != message.ref ||
        again.binary != message.binary || again.status != message.status ||
        again.content_type != message.content_type || again.body != message.body) {
      std::abort();
    }
  }
  if (auto parts = sio::parse_session_id(text)) {
    if (parts->node.size() != 8 || parts->loop > 9999) std::abort();
    if (text.find('\n') != std::string_view::npos) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)sb::dialects::socketio::event_name(text);
  auto request = sb::dialects::socketio::parse_request(text);
  if (!request.ok && request.error.empty()) std::abort();
  if (request.ok && (request.request_id.empty() || request.action.empty())) std::abort();
  check_offsets(text);
  check_relay(text);
  return 0;
}

#pragma once
#include <cstdint>
#include <string>
#include <string_view>

// The messages by which a node serves an Engine.IO session that another node holds: the
// node that received a request (the front) forwards it to the node that owns the sid (the
// owner) through the cluster's node relay, and the owner answers back. Encoding and parsing
// only, no I/O.
namespace sb::dialects::socketio {

enum class RelayKind : char {
  // front -> owner, about session `sid`; `ref` names the request or WebSocket on the front.
  kPoll = 'G',         // a polling GET, held until there is something to send
  kPost = 'P',         // a polling POST, its payload in body
  kPollGone = 'X',     // the client of a forwarded GET went away (the session ends)
  kSocketOpen = 'O',   // a WebSocket naming sid opened on the front (an upgrade probe)
  kSocketFrame = 'F',  // a message from that WebSocket (binary or text)
  kSocketGone = 'C',   // that WebSocket closed
  // owner -> front, about `ref`.
  kAnswer = 'R',       // the HTTP answer to a forwarded request: status, content type, body
  kSocketSend = 'S',   // a message to send on the WebSocket
  kSocketEnd = 'E',    // close the WebSocket (the session let go of it)
};

struct RelayMessage {
  RelayKind kind = RelayKind::kPoll;
  std::string_view sid;           // front -> owner
  std::string_view ref;           // "<loop>.<counter>" on the front
  bool binary = false;            // frames: a binary message
  int status = 0;                 // kAnswer
  std::string_view content_type;  // kAnswer
  std::string_view body;          // payload, frame or answer body
};

// The message as relay text: kind, then sid, ref, a number (status, or 1 for binary) and
// the content type each on its own line, then the body as it is.
std::string encode_relay_message(const RelayMessage& message);
// Parses relay text; views point into text. False when it is not a relay message, or a
// field that must be one line (sid, ref, content type) is malformed.
bool decode_relay_message(std::string_view text, RelayMessage& out);

}  // namespace sb::dialects::socketio

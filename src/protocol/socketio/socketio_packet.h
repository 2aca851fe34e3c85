#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

// Socket.IO protocol 5 packets, carried in Engine.IO messages:
//   <type digit>[<attachments>"-"][<namespace>","][<ack id>][<JSON data>]
// e.g. `0{"token":"..."}` (CONNECT with auth), `2["message","hi"]` (EVENT), `212["x"]`
// (EVENT wanting ack 12), `31[...]` (ACK 1), `51-["up",{"_placeholder":true,"num":0}]`
// (BINARY_EVENT with one attachment, sent as the next binary message). The namespace is
// written only when it is not "/". The data stays JSON text here: the dialect parses it.
// Parsing and encoding only, no I/O.
namespace sb::protocol::socketio {

enum class PacketType : uint8_t {
  kConnect = 0,
  kDisconnect = 1,
  kEvent = 2,
  kAck = 3,
  kConnectError = 4,
  kBinaryEvent = 5,
  kBinaryAck = 6,
};

// Largest ack id accepted: JavaScript clients count them as safe integers.
inline constexpr uint64_t kMaxAckId = (uint64_t{1} << 53) - 1;

struct Packet {
  PacketType type = PacketType::kEvent;
  uint32_t attachments = 0;    // binary packets: binary messages that follow
  std::string_view nsp = "/";  // the namespace
  bool has_id = false;
  uint64_t id = 0;             // ack id, when has_id
  std::string_view data;       // JSON text (may be empty)
};

struct Limits {
  uint32_t max_attachments = 10;
  size_t max_namespace = 128;
};

enum class ParseStatus {
  kOk,
  kEmpty,
  kUnknownType,
  kBadAttachments,   // missing "-", not a number, over the limit, or on a non-binary type
  kBadNamespace,     // unterminated or too long
  kBadAckId,         // too large
  kBadData,          // data of the wrong shape for the type (see parse())
};

// Parses one packet. Besides framing it checks the data's outer shape: EVENT and BINARY_EVENT
// need a JSON array, ACK and BINARY_ACK an array, CONNECT an object or nothing,
// CONNECT_ERROR an object, DISCONNECT nothing; the JSON inside is the dialect's to parse.
// Views point into text. Never throws.
ParseStatus parse(std::string_view text, Packet& out, const Limits& limits = {});

// Appends the encoding of packet (data written as given).
void append(std::string& out, const Packet& packet);

// Human-readable name of a parse failure, for CONNECT_ERROR messages and logs.
std::string_view to_string(ParseStatus status);

}  // namespace sb::protocol::socketio

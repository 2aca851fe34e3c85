#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

// Engine.IO protocol 4 packets: the framing under Socket.IO, on both of its transports.
// A packet is a type digit and its data ("4hello", "2probe", "3"); a binary message is
// a WebSocket binary frame as is, or "b" + base64 inside a polling payload, where packets
// are joined by the record separator (0x1E). Parsing and encoding only, no I/O.
namespace sb::protocol::engineio {

enum class PacketType : uint8_t {
  kOpen = 0,     // server -> client: the handshake's JSON
  kClose = 1,
  kPing = 2,     // server -> client heartbeat, or the client's "probe" on upgrade
  kPong = 3,
  kMessage = 4,  // carries a Socket.IO packet
  kUpgrade = 5,
  kNoop = 6,
};

inline constexpr char kRecordSeparator = '\x1e';

struct Packet {
  PacketType type = PacketType::kNoop;
  bool binary = false;    // a binary message (data holds the decoded bytes)
  std::string_view data;  // text after the type digit, or the decoded binary bytes
};

enum class ParseStatus { kOk, kEmpty, kUnknownType, kBadBase64 };

// Parses one text packet. A "b..." packet is a binary message whose base64 is decoded into
// scratch, which data then views; other data views text. Never throws.
ParseStatus parse_text_packet(std::string_view text, Packet& out, std::string& scratch);

// Splits a polling payload (a POST body) into its packets. False when it holds more than
// max_packets (nothing is kept then).
bool split_payload(std::string_view body, size_t max_packets, std::vector<std::string_view>& out);

// Appends one text packet: the type digit, then data.
void append_text_packet(std::string& out, PacketType type, std::string_view data = {});
// Appends a binary message as a polling packet: "b" + base64 (RFC 4648 section 4, padded).
void append_base64_packet(std::string& out, std::string_view bytes);
// Appends a packet to a polling payload, with the separator before all but the first.
void append_to_payload(std::string& payload, std::string_view packet);

// The errors an Engine.IO server answers to a bad HTTP request, with the reference server's
// codes; the body is {"code":N,"message":"..."} (HTTP 400, or 403 for kForbidden).
enum class RequestError : uint8_t {
  kTransportUnknown = 0,
  kUnknownSid = 1,
  kBadHandshakeMethod = 2,
  kBadRequest = 3,
  kForbidden = 4,
  kUnsupportedProtocolVersion = 5,
};
std::string_view to_string(RequestError error);
std::string error_body(RequestError error);

// Human-readable name of a parse failure, for error answers and logs.
std::string_view to_string(ParseStatus status);

}  // namespace sb::protocol::engineio

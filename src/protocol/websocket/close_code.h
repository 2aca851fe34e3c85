#pragma once
#include <cstdint>
#include <string_view>

namespace sb::protocol::websocket {

// RFC 6455 section 7.4 status codes used by the server.
enum class CloseCode : uint16_t {
  kNormal = 1000,
  kGoingAway = 1001,
  kProtocolError = 1002,
  kUnsupportedData = 1003,
  kNoStatus = 1005,  // never sent on the wire
  kAbnormal = 1006,  // never sent on the wire
  kInvalidPayload = 1007,
  kPolicyViolation = 1008,
  kMessageTooBig = 1009,
  kInternalError = 1011,
  kTryAgainLater = 1013,
};

// True for codes a peer may put in a Close frame (1000-1003, 1007-1014, 3000-4999).
constexpr bool is_valid_wire_close_code(uint16_t code) {
  if (code >= 3000 && code <= 4999) return true;
  switch (code) {
    case 1000: case 1001: case 1002: case 1003:
    case 1007: case 1008: case 1009: case 1010: case 1011:
    case 1012: case 1013: case 1014:
      return true;
    default:
      return false;
  }
}

// Close reasons as sent to peers.
namespace close_reason {
inline constexpr std::string_view kProtocolError = "protocol error";
inline constexpr std::string_view kInvalidUtf8 = "invalid UTF-8";
inline constexpr std::string_view kTooBig = "message too big";
inline constexpr std::string_view kShutdown = "server shutting down";
inline constexpr std::string_view kPingTimeout = "ping timeout";
inline constexpr std::string_view kSlowConsumer = "slow consumer";
inline constexpr std::string_view kBinaryUnsupported = "binary messages are not supported";
}  // namespace close_reason

}  // namespace sb::protocol::websocket

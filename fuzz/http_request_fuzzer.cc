// Arbitrary bytes through the HTTP request parser, then the WebSocket handshake check.
#include <cstdint>
#include <string>

#include "protocol/http/request_parser.h"
#include "protocol/websocket/handshake.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sb::protocol::http::RequestParser parser(sb::protocol::http::ParserLimits{4096, 4096});
  const char* p = reinterpret_cast<const char*>(data);
  size_t remaining = size;
  for (int requests = 0; requests < 8 && remaining > 0; ++requests) {
    size_t consumed = 0;
    auto status = parser.feed(p, remaining, consumed);
    if (status != sb::protocol::http::RequestParser::Status::kComplete) break;
    const auto& request = parser.request();
    (void)request.query_param("token");
    (void)request.path();
    sb::protocol::websocket::HandshakeResult result = sb::protocol::websocket::check_upgrade(request, {});
    if (result.status == 101) {
      std::string out;
      sb::protocol::websocket::append_upgrade_response(result, out);
    }
    p += consumed;
    remaining -= consumed;
    parser.reset();
  }
  return 0;
}

#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "protocol/http/http_request.h"
#include "protocol/websocket/permessage_deflate.h"

namespace sb::protocol::websocket {

struct HandshakeOptions {
  std::vector<std::string> allowed_origins;  // empty: any Origin; entries as http::origin_matches()
  std::vector<std::string> subprotocols;     // offered by the server, in preference order
  DeflateSettings deflate;                   // permessage-deflate (enabled by default)
};

struct HandshakeResult {
  int status = 101;           // 101 on success, otherwise the HTTP error status to answer
  std::string error;          // why it failed
  std::string accept_key;     // Sec-WebSocket-Accept
  std::string subprotocol;    // chosen subprotocol, or empty
  bool deflate = false;       // permessage-deflate negotiated, with deflate_params
  DeflateParams deflate_params;
  std::string extensions;     // Sec-WebSocket-Extensions of the response, or empty
};

// Checks an upgrade request against RFC 6455 section 4.2.1: GET, HTTP/1.1, Upgrade:
// websocket, Connection: Upgrade, a 16-byte base64 Sec-WebSocket-Key, version 13 (426 with
// the supported version otherwise), and an Origin, when one is sent, in the allow-list when
// one is configured (clients that send no Origin are not browsers and pass). Negotiates
// permessage-deflate from every Sec-WebSocket-Extensions line (declined when no offer is
// valid, as RFC 7692 allows).
HandshakeResult check_upgrade(const http::HttpRequest& request, const HandshakeOptions& options);
// Cross-site WebSocket hijacking: whether an upgrade that a browser authenticates with a
// cookie may proceed. Its Origin must be in allowed_origins, or, when that list is empty,
// name the same host and port as the Host header. No Origin at all (not a browser) passes.
bool origin_allowed_for_cookies(const http::HttpRequest& request, const std::vector<std::string>& allowed_origins);
// base64(SHA-1(key + GUID)).
std::string compute_accept_key(std::string_view client_key);
// Appends the 101 Switching Protocols response for a successful check.
void append_upgrade_response(const HandshakeResult& result, std::string& out);

}  // namespace sb::protocol::websocket

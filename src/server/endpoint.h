#pragma once
#include <string>
#include <vector>

#include "dialects/dialect.h"
#include "protocol/websocket/permessage_deflate.h"

namespace sb::server {

// What serves a path on a local port: its dialect, how its WebSockets compress, and the
// pages that may use it (upgrades, cookie sessions and CORS on its HTTP requests).
struct Endpoint {
  dialects::Dialect* dialect;
  protocol::websocket::DeflateSettings deflate;
  std::vector<std::string> allowed_origins;  // the endpoint's own list, or the server's
};

}  // namespace sb::server

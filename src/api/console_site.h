#pragma once
#include <string>
#include <string_view>

#include "config/config.h"
#include "protocol/http/http_request.h"
#include "protocol/http/response.h"

namespace sb::api {

// The web console at /console: one static page, its script and its style, compiled into the
// binary (console/ in the source tree), and /console/endpoints.json, the WebSocket
// endpoints of this server for the page's dialect picker. Everything it does afterwards
// goes through the public endpoints (dialects, /api/stats, /api/presence, the admin API),
// with the credentials its user types in: the page itself holds no secret.
class ConsoleSite {
 public:
  explicit ConsoleSite(const config::Config& config);

  // Whether a path is the console's (/console, /console/ and what is under it).
  static bool serves(std::string_view path);
  // Answers a GET (or HEAD) of one of the console's paths; 404 for an unknown asset.
  protocol::http::HttpResponse handle(const protocol::http::HttpRequest& request) const;

 private:
  std::string endpoints_json_;
};

}  // namespace sb::api

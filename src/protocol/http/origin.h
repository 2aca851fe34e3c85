#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/http/http_request.h"
#include "protocol/http/response.h"

// Which web pages may talk to the server: Origin allow-lists for WebSocket upgrades and CORS
// for the HTTP API.
namespace sb::protocol::http {

// Whether a browser's Origin ("scheme://host[:port]") matches one allow-list entry:
//  - "*": any origin;
//  - "https://app.example.com": that origin exactly (case-insensitive);
//  - "https://*.example.com": any subdomain of example.com (one label or more, not
//    example.com itself) with that scheme and port;
//  - "app.example.com", "*.example.com", "app.example.com:8443": the same without a scheme,
//    for http and https alike.
// An entry without a port matches only origins without one (the scheme's default port).
bool origin_matches(std::string_view entry, std::string_view origin);
// Whether origin matches any entry of the list.
bool origin_in(const std::vector<std::string>& allowed, std::string_view origin);

// CORS for the HTTP API, allowing the origins in `allowed` (none when it is empty: only the
// server's own pages, which need no CORS). A preflight (OPTIONS with
// Access-Control-Request-Method) gets its whole answer here: 204 with the methods and
// headers the API takes for an allowed origin, 403 otherwise. Anything else gets nothing.
// With credentials (the Socket.IO polling paths, whose browser clients may send cookies)
// the answers also say Access-Control-Allow-Credentials: true.
std::optional<HttpResponse> cors_preflight(const HttpRequest& request, const std::vector<std::string>& allowed,
                                           bool credentials = false);
// Adds Access-Control-Allow-Origin to an API response for a request from origin (the
// request's Origin header, possibly empty) when it is allowed, and Vary: Origin whenever a
// list is set (the answer depends on the Origin).
void add_cors_headers(std::string_view origin, const std::vector<std::string>& allowed, HttpResponse& response,
                      bool credentials = false);

}  // namespace sb::protocol::http

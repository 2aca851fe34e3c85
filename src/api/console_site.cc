#include "api/console_site.h"

#include "api/console_assets.h"
#include "json/json_writer.h"

namespace sb::api {

namespace http = protocol::http;

namespace {
// The page runs only its own script and style, and talks to this server's HTTP API and to
// WebSocket endpoints on any of its ports (the envelope and events dialects have their
// own): a channel name or payload that slipped past the page's escaping still runs nothing.
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self' ws: wss: http: https:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

http::HttpResponse asset(std::string_view content_type, std::string_view body) {
  http::HttpResponse r;
  r.content_type = content_type;
  r.body = body;
  r.headers.emplace_back("Content-Security-Policy", kContentSecurityPolicy);
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");  // the page's URL may hold a token
  r.headers.emplace_back("Cache-Control", "no-cache");
  return r;
}
}  // namespace

ConsoleSite::ConsoleSite(const config::Config& config) {
  endpoints_json_ = "{\"endpoints\":[";
  bool first = true;
  for (const auto& e : config.endpoints) {
    if (e.dialect == "echo") continue;  // a conformance fixture, nothing to watch
    if (!first) endpoints_json_ += ',';
    first = false;
    // An endpoint of the main port is reached the way the page was (its scheme); one with
    // its own port says whether that port speaks TLS.
    json::ObjectWriter(endpoints_json_).string("path", e.path).string("dialect", e.dialect)
        .number("port", e.port).boolean("tls", e.port != 0 && e.tls.enabled()).end();
  }
  endpoints_json_ += "]}";
}

bool ConsoleSite::serves(std::string_view path) { return path == "/console" || path.starts_with("/console/"); }

http::HttpResponse ConsoleSite::handle(const http::HttpRequest& request) const {
  if (request.method != "GET" && request.method != "HEAD") {
    http::HttpResponse r = http::json_error(405, "method not allowed");
    r.headers.emplace_back("Allow", "GET, HEAD");
    return r;
  }
  std::string_view path = request.path();
  if (path == "/console" || path == "/console/" || path == "/console/index.html") {
    return asset("text/html; charset=utf-8", console_assets::kIndexHtml);
  }
  if (path == "/console/console.js") return asset("text/javascript; charset=utf-8", console_assets::kScript);
  if (path == "/console/console.css") return asset("text/css; charset=utf-8", console_assets::kStyle);
  if (path == "/console/endpoints.json") {
    http::HttpResponse r = http::json_response(200, endpoints_json_);
    r.headers.emplace_back("Cache-Control", "no-cache");
    return r;
  }
  return http::json_error(404, "not found");
}

}  // namespace sb::api

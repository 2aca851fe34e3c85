#include "protocol/http/origin.h"

namespace sb::protocol::http {

namespace {

// An origin or entry cut into scheme (may be empty), host and port (may be empty).
struct OriginParts {
  std::string_view scheme;
  std::string_view host;
  std::string_view port;
};

bool split(std::string_view text, bool scheme_required, OriginParts& out) {
  size_t scheme_end = text.find("://");
  if (scheme_end != std::string_view::npos) {
    out.scheme = text.substr(0, scheme_end);
    text.remove_prefix(scheme_end + 3);
  } else if (scheme_required) {
    return false;  // "null" and other opaque origins
  }
  if (text.empty() || text.find('/') != std::string_view::npos) return false;
  // The port follows the last colon, unless that colon is inside an IPv6 literal "[::1]".
  size_t colon = text.rfind(':');
  size_t bracket = text.rfind(']');
  if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
    out.host = text.substr(0, colon);
    out.port = text.substr(colon + 1);
  } else {
    out.host = text;
  }
  return !out.host.empty();
}

bool host_matches(std::string_view pattern, std::string_view host) {
  if (!pattern.starts_with("*.")) return iequals(pattern, host);
  std::string_view suffix = pattern.substr(1);  // ".example.com"
  // At least one label before the suffix: "a.example.com", never "example.com" itself.
  if (host.size() <= suffix.size()) return false;
  size_t cut = host.size() - suffix.size();
  return iequals(host.substr(cut), suffix) && host[cut - 1] != '.';
}

}  // namespace

bool origin_matches(std::string_view entry, std::string_view origin) {
  if (entry == "*") return !origin.empty();
  OriginParts want, have;
  if (!split(entry, false, want) || !split(origin, true, have)) return false;
  if (want.scheme.empty()) {
    if (!iequals(have.scheme, "http") && !iequals(have.scheme, "https")) return false;
  } else if (!iequals(want.scheme, have.scheme)) {
    return false;
  }
  return want.port == have.port && host_matches(want.host, have.host);
}

bool origin_in(const std::vector<std::string>& allowed, std::string_view origin) {
  for (const auto& entry : allowed) {
    if (origin_matches(entry, origin)) return true;
  }
  return false;
}

std::optional<HttpResponse> cors_preflight(const HttpRequest& request, const std::vector<std::string>& allowed,
                                           bool credentials) {
  if (request.method != "OPTIONS" || request.header("Access-Control-Request-Method").empty()) return std::nullopt;
  std::string_view origin = request.header("Origin");
  if (origin.empty() || !origin_in(allowed, origin)) return json_error(403, "Origin not allowed");
  HttpResponse r;
  r.status = 204;
  r.content_type.clear();
  r.headers.emplace_back("Access-Control-Allow-Origin", std::string(origin));
  r.headers.emplace_back("Vary", "Origin");
  r.headers.emplace_back("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
  r.headers.emplace_back("Access-Control-Allow-Headers", "Authorization, Content-Type");
  r.headers.emplace_back("Access-Control-Max-Age", "600");
  if (credentials) r.headers.emplace_back("Access-Control-Allow-Credentials", "true");
  return r;
}

void add_cors_headers(std::string_view origin, const std::vector<std::string>& allowed, HttpResponse& response,
                      bool credentials) {
  if (origin.empty() || allowed.empty()) return;
  // The answer depends on the Origin whether or not this one is allowed: caches must know.
  response.headers.emplace_back("Vary", "Origin");
  if (!origin_in(allowed, origin)) return;
  response.headers.emplace_back("Access-Control-Allow-Origin", std::string(origin));
  if (credentials) response.headers.emplace_back("Access-Control-Allow-Credentials", "true");
}

}  // namespace sb::protocol::http

#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sb::protocol::http {

// One parsed HTTP/1.1 request. Header names keep their case; look-ups ignore it.
struct HttpRequest {
  std::string method;
  std::string target;  // path plus query, as sent
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool keep_alive = true;
  bool upgrade = false;
  int http_minor = 1;

  // Value of the first header with this name (case-insensitive), or empty.
  std::string_view header(std::string_view name) const;
  // Path without the query string.
  std::string_view path() const;
  // Raw (still percent-encoded) query string without '?', or empty.
  std::string_view query() const;
  // Decoded value of one query parameter, or empty when absent.
  std::string query_param(std::string_view name) const;
  void clear();
};

// True when the comma-separated header value holds token (case-insensitive), as in
// "Connection: keep-alive, Upgrade".
bool header_has_token(std::string_view value, std::string_view token);
bool iequals(std::string_view a, std::string_view b);
// Decodes %XX and '+' (a space) of a URL query component.
std::string percent_decode(std::string_view text);
// Decodes %XX of a URL path segment; '+' stays a plus there (RFC 3986).
std::string percent_decode_path(std::string_view text);

}  // namespace sb::protocol::http

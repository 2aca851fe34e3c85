#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sb::auth {

// What one HTTP GET brought back.
struct HttpFetchResult {
  bool reached = false;  // an HTTP answer arrived (any status); false: error says why not
  long status = 0;
  std::string body;
  std::string error;
};

struct HttpFetchOptions {
  uint32_t timeout_ms = 5000;
  size_t max_body_bytes = 64 * 1024;      // a larger answer is refused, not truncated
  std::vector<std::string> headers;       // "Name: value" lines
  std::string cookie;                     // "name=value", sent as the Cookie header
};

// GET url with libcurl. Blocks for up to options.timeout_ms: call it from a work-pool or
// background thread, never from an event loop.
HttpFetchResult http_get(const std::string& url, const HttpFetchOptions& options);

}  // namespace sb::auth

#include "auth/http_fetch.h"

#include <curl/curl.h>

namespace sb::auth {

namespace {

struct Sink {
  std::string* body;
  size_t limit;
  bool overflowed = false;
};

size_t append_body(char* data, size_t size, size_t count, void* out) {
  auto* sink = static_cast<Sink*>(out);
  size_t n = size * count;
  if (sink->body->size() + n > sink->limit) {
    sink->overflowed = true;
    return 0;  // curl stops the transfer with CURLE_WRITE_ERROR
  }
  sink->body->append(data, n);
  return n;
}

}  // namespace

HttpFetchResult http_get(const std::string& url, const HttpFetchOptions& options) {
  HttpFetchResult result;
  CURL* curl = curl_easy_init();
  if (curl == nullptr) {
    result.error = "cannot start an HTTP client";
    return result;
  }
  Sink sink{&result.body, options.max_body_bytes};
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout_ms));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // the loops' threads must not get SIGALRM
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
  if (!options.cookie.empty()) curl_easy_setopt(curl, CURLOPT_COOKIE, options.cookie.c_str());
  struct curl_slist* headers = nullptr;
  for (const auto& header : options.headers) headers = curl_slist_append(headers, header.c_str());
  if (headers != nullptr) curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  CURLcode code = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &result.status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (sink.overflowed) {
    result.error = "answer larger than " + std::to_string(options.max_body_bytes) + " bytes";
    result.body.clear();
  } else if (code != CURLE_OK) {
    result.error = curl_easy_strerror(code);
  } else {
    result.reached = true;
  }
  return result;
}

}  // namespace sb::auth

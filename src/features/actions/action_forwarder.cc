#include "features/actions/action_forwarder.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <simdjson.h>

#include "json/json_writer.h"

namespace sb::features::actions {

namespace {

constexpr size_t kMaxAnswerBytes = 1024 * 1024;

size_t append_body(char* data, size_t size, size_t count, void* out) {
  auto* body = static_cast<std::string*>(out);
  if (body->size() + size * count > kMaxAnswerBytes) return 0;  // refuse a flood
  body->append(data, size * count);
  return size * count;
}

Result failure(std::string code, std::string message) {
  Result r;
  r.ok = false;
  r.error_code = std::move(code);
  r.error_message = std::move(message);
  return r;
}

}  // namespace

Result ActionForwarder::interpret(long status, std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  bool json = !body.empty() && parser.parse(body.data(), body.size()).get(doc) == simdjson::SUCCESS;
  if (status >= 200 && status < 300) {
    Result r;
    if (json) r.data = simdjson::minify(doc);
    else if (!body.empty()) return failure("ACTION_FAILED", "the backend's answer is not JSON");
    return r;
  }
  std::string message = "the backend answered " + std::to_string(status);
  std::string_view text;
  if (json) {
    if (doc["message"].get_string().get(text) == simdjson::SUCCESS) message = text;
    else if (doc["error"].get_string().get(text) == simdjson::SUCCESS) message = text;
    else if (doc["error"]["message"].get_string().get(text) == simdjson::SUCCESS) message = text;
  }
  // A backend that does not know the action says so with 404.
  return failure(status == 404 ? "ACTION_NOT_FOUND" : "ACTION_FAILED", message);
}

Result ActionForwarder::call(const ForwardedCall& c) const {
  // The action becomes one URL path segment: only plain names are sent (the dialects
  // refuse others before they get here).
  if (!is_plain_action_name(c.action)) return failure("INVALID_REQUEST", "not a plain action name");
  std::string body;
  std::string user;
  json::ObjectWriter u(user);
  u.string("id", c.user_id);
  if (!c.company_id.empty()) u.string("companyId", c.company_id); else u.null("companyId");
  u.end();
  json::ObjectWriter w(body);
  w.string("requestId", c.request_id).string("action", c.action).raw("data", c.data).raw("user", user)
      .string("sessionId", c.session_id);
  if (!c.artifact_id.empty()) w.string("artifactId", c.artifact_id); else w.null("artifactId");
  if (!c.attachments.empty()) {
    std::string list = "[";
    for (const std::string& part : c.attachments) {
      std::string encoded(4 * ((part.size() + 2) / 3) + 1, '\0');
      int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                              reinterpret_cast<const unsigned char*>(part.data()), static_cast<int>(part.size()));
      encoded.resize(static_cast<size_t>(n));
      if (list.size() > 1) list += ',';
      json::append_string(list, encoded);
    }
    list += ']';
    w.raw("attachments", list);
  }
  w.end();

  std::string authorization = "Authorization: Bearer " + c.token;
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return failure("ACTION_FAILED", "cannot reach the actions backend");
  // One escaped segment appended to the configured URL (a plain name escapes to itself).
  std::string url = url_;
  if (!url.empty() && url.back() != '/') url += '/';
  char* segment = curl_easy_escape(curl, c.action.data(), static_cast<int>(c.action.size()));
  if (segment == nullptr) {
    curl_easy_cleanup(curl);
    return failure("ACTION_FAILED", "cannot reach the actions backend");
  }
  url += segment;
  curl_free(segment);
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  headers = curl_slist_append(headers, authorization.c_str());
  std::string answer;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_ms_));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &append_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer);
  CURLcode code = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (code == CURLE_OPERATION_TIMEDOUT) {
    return failure("TIMEOUT", "the action did not finish within " + std::to_string(timeout_ms_) + " ms");
  }
  if (code != CURLE_OK) return failure("ACTION_FAILED", std::string("actions backend: ") + curl_easy_strerror(code));
  return interpret(status, answer);
}

}  // namespace sb::features::actions

#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "features/actions/action_registry.h"

namespace sb::features::actions {

// What a forwarded action call carries to the application's backend.
struct ForwardedCall {
  std::string request_id;
  std::string action;
  std::string data = "null";  // JSON text
  std::string user_id;
  std::string company_id;
  std::string session_id;
  std::string artifact_id;
  std::string token;  // the caller's JWT, sent as Authorization: Bearer
  std::vector<std::string> attachments;  // binary parts, sent base64-encoded
};

// Forwards actions that are not built in to the application's backend, which checks them
// with the same permissions as its REST API: POST {url}/{action} with JSON {requestId,
// action, data, user: {id, companyId}, sessionId, artifactId}, plus `attachments` (standard
// base64 strings, which data names by placeholder) when the request carried binary parts. A 2xx JSON answer is the
// RESPONSE's data; 404 is ACTION_NOT_FOUND; another status is ACTION_FAILED with the
// backend's message; no answer
// within the timeout is TIMEOUT; no connection is ACTION_FAILED. call() blocks (libcurl):
// run it on the forwarder's own work pool, so a slow backend holds only its own calls.
class ActionForwarder {
 public:
  ActionForwarder(std::string url, uint32_t timeout_ms) : url_(std::move(url)), timeout_ms_(timeout_ms) {}
  bool enabled() const { return !url_.empty(); }
  Result call(const ForwardedCall& call) const;

  // The backend's answer as a Result: status and body (exposed for tests).
  static Result interpret(long status, std::string_view body);

 private:
  std::string url_;
  uint32_t timeout_ms_;
};

}  // namespace sb::features::actions

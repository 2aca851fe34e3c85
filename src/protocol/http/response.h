#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sb::protocol::http {

// An HTTP/1.1 response to serialise. Content-Length and Connection are added by serialize().
struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool close = false;  // send "Connection: close" and close after writing
};

// Standard reason phrase for a status code ("Not Found"), or "Unknown".
std::string_view reason_phrase(int status);
// Renders the status line, headers and body into out (appending).
void serialize(const HttpResponse& response, std::string& out);
// A response with a JSON body (already serialised).
HttpResponse json_response(int status, std::string body);
// A JSON error body {"success":false,"error":{"code":status,"message":...}} response.
HttpResponse json_error(int status, std::string_view message);

}  // namespace sb::protocol::http

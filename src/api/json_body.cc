#include "api/json_body.h"

#include <string>

namespace sb::api {

std::optional<protocol::http::HttpResponse> parse_json_object(simdjson::dom::parser& parser, std::string_view body,
                                                              simdjson::dom::object& out) {
  simdjson::dom::element doc;
  simdjson::error_code error = parser.parse(body.data(), body.size()).get(doc);
  if (error == simdjson::DEPTH_ERROR) {
    return protocol::http::json_error(
        400, "body nested too deep: at most " + std::to_string(parser.max_depth()) + " levels of arrays and objects");
  }
  if (error != simdjson::SUCCESS) return protocol::http::json_error(400, "body is not valid JSON");
  if (doc.get_object().get(out) != simdjson::SUCCESS) return protocol::http::json_error(400, "body must be a JSON object");
  return std::nullopt;
}

}  // namespace sb::api

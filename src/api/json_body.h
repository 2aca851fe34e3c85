#pragma once
#include <simdjson.h>

#include <optional>
#include <string_view>

#include "protocol/http/response.h"

namespace sb::api {

// Parses a request body that must be a JSON object. On failure returns the 400 answer that
// says what is wrong: not JSON, nested too deep (with the limit), or not an object.
std::optional<protocol::http::HttpResponse> parse_json_object(simdjson::dom::parser& parser, std::string_view body,
                                                              simdjson::dom::object& out);

}  // namespace sb::api

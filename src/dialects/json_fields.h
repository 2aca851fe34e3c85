#pragma once
#include <simdjson.h>

#include <string>
#include <string_view>

namespace sb::dialects {

// The text of an id-like member that clients send either as a string or as a number
// ("id": "m-1" or "id": 17), as the answer echoes it; empty when absent or of another type.
inline std::string string_or_number(simdjson::dom::object object, std::string_view key) {
  std::string_view text;
  if (object[key].get_string().get(text) == simdjson::SUCCESS) return std::string(text);
  simdjson::dom::element value;
  if (object[key].get(value) == simdjson::SUCCESS && value.is_number()) return simdjson::minify(value);
  return {};
}

}  // namespace sb::dialects

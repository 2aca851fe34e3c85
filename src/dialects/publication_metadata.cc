#include "dialects/publication_metadata.h"

#include <simdjson.h>

#include <algorithm>

#include "json/json_writer.h"

namespace sb::dialects {

std::string publication_metadata(const hub::Publication& p, std::string_view server_members,
                                 std::initializer_list<std::string_view> server_keys) {
  std::string out = "{";
  out += server_members;
  bool empty = server_members.empty();
  if (p.metadata.size() > 2) {
    thread_local simdjson::dom::parser parser;
    simdjson::dom::object object;
    // Backend metadata was checked to be an object when it was accepted.
    if (parser.parse(p.metadata).get_object().get(object) == simdjson::SUCCESS) {
      for (auto field : object) {
        bool taken = std::find(server_keys.begin(), server_keys.end(), field.key) != server_keys.end() ||
                     (field.key == "client" && !p.client_metadata.empty());
        if (taken) continue;
        if (!empty) out += ',';
        empty = false;
        json::append_string(out, field.key);
        out += ':';
        out += simdjson::minify(field.value);
      }
    }
  }
  if (!p.client_metadata.empty()) {
    if (!empty) out += ',';
    out += "\"client\":";
    out += p.client_metadata;
  }
  out += '}';
  return out;
}

}  // namespace sb::dialects

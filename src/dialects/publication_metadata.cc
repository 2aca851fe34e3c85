#include "dialects/publication_metadata.h"

#include <simdjson.h>

#include <algorithm>

#include "dialects/stream_position.h"
#include "json/json_writer.h"

namespace sb::dialects {

std::string publication_metadata(const hub::Publication& p, std::string_view server_members,
                                 std::initializer_list<std::string_view> server_keys, bool stream_position) {
  std::string out = "{";
  out += server_members;
  bool numbered = stream_position && p.offset != 0;
  if (numbered) {
    std::string position;
    json::ObjectWriter w(position);  // left open: members only
    write_stream_position(w, p);
    if (!server_members.empty()) out += ',';
    out.append(position, 1, std::string::npos);
  }
  bool empty = server_members.empty() && !numbered;
  if (p.metadata.size() > 2) {
    thread_local simdjson::dom::parser parser;
    simdjson::dom::object object;
    // Backend metadata was checked to be an object when it was accepted.
    if (parser.parse(p.metadata).get_object().get(object) == simdjson::SUCCESS) {
      for (auto field : object) {
        bool taken = std::find(server_keys.begin(), server_keys.end(), field.key) != server_keys.end() ||
                     (field.key == "client" && !p.client_metadata.empty()) ||
                     (numbered && (field.key == "offset" || field.key == "epoch"));
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

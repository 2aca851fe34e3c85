#include "dialects/stream_position.h"

namespace sb::dialects {

namespace {
constexpr size_t kMaxEpochLength = 64;
}  // namespace

bool parse_stream_position(simdjson::dom::element value, hub::StreamPosition& out) {
  simdjson::dom::object object;
  if (value.get_object().get(object) != simdjson::SUCCESS) return false;
  uint64_t offset = 0;
  std::string_view epoch;
  if (object["offset"].get_uint64().get(offset) != simdjson::SUCCESS) return false;
  if (object["epoch"].get_string().get(epoch) != simdjson::SUCCESS || epoch.size() > kMaxEpochLength) return false;
  out.offset = offset;
  out.epoch = epoch;
  return true;
}

void write_stream_position(json::ObjectWriter& writer, const hub::Publication& publication) {
  if (publication.offset == 0) return;
  writer.number("offset", static_cast<int64_t>(publication.offset)).string("epoch", publication.epoch);
}

void write_stream_state(json::ObjectWriter& writer, const StreamState& state) {
  if (state.resumed) writer.boolean("recovered", state.recovered);
  if (state.keeps_history) {
    writer.number("offset", static_cast<int64_t>(state.position.offset)).string("epoch", state.position.epoch);
  }
}

}  // namespace sb::dialects

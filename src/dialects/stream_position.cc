#include "dialects/stream_position.h"

#include <algorithm>

#include "hub/topic.h"

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

std::string parse_since_map(simdjson::dom::element since, const std::vector<std::string>& channels,
                            std::string_view field, SincePositions& out) {
  simdjson::dom::object positions;
  if (since.get_object().get(positions) != simdjson::SUCCESS) {
    return std::string(field) + " must map channels to {offset, epoch}";
  }
  for (auto [key, value] : positions) {
    std::string name(key.substr(0, 64));
    if (std::find(channels.begin(), channels.end(), key) == channels.end()) {
      return std::string(field) + " names a channel the subscribe does not list: " + name;
    }
    if (hub::has_wildcard(key)) return std::string(field) + " cannot resume a pattern: " + name;
    hub::StreamPosition position;
    if (!parse_stream_position(value, position)) {
      return std::string(field) + "." + name + " must be {offset: integer, epoch: string}";
    }
    out.emplace_back(std::string(key), std::move(position));
  }
  return {};
}

std::optional<hub::StreamPosition> since_for(const SincePositions& since, std::string_view channel) {
  for (const auto& [name, position] : since) {
    if (name == channel) return position;
  }
  return std::nullopt;
}

std::vector<std::string> take_full(std::vector<std::string>& names, std::vector<StreamState>& states) {
  std::vector<std::string> full;
  size_t kept = 0;
  for (size_t i = 0; i < states.size() && i < names.size(); ++i) {
    if (states[i].full) {
      full.push_back(std::move(names[i]));
      continue;
    }
    if (kept != i) {  // a self-move would empty them
      names[kept] = std::move(names[i]);
      states[kept] = std::move(states[i]);
    }
    ++kept;
  }
  names.resize(kept);
  states.resize(kept);
  return full;
}

void write_stream_states(json::ObjectWriter& writer, const std::vector<std::string>& channels,
                         const std::vector<StreamState>& states) {
  bool resumed = false, recovered = true;
  std::string streams;
  json::ObjectWriter w(streams);
  for (size_t i = 0; i < states.size() && i < channels.size(); ++i) {
    if (states[i].resumed) {
      resumed = true;
      recovered = recovered && states[i].recovered;
    }
    if (!states[i].keeps_history && !states[i].resumed) continue;
    std::string one;
    json::ObjectWriter o(one);
    write_stream_state(o, states[i]);
    o.end();
    w.raw(channels[i], one);
  }
  w.end();
  if (resumed) writer.boolean("recovered", recovered);
  if (streams.size() > 2) writer.raw("streams", streams);
}

}  // namespace sb::dialects

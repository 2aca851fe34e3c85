#pragma once
#include <simdjson.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hub/broker.h"
#include "json/json_writer.h"

// The wire form of a stream position, shared by every dialect: `{"offset": N, "epoch": "E"}`
// in a subscribe's `since`, and `offset` / `epoch` members beside a publication or in a
// subscribe answer.
namespace sb::dialects {

// Reads a `since` value: an object with a non-negative integer `offset` and a string
// `epoch` (at most 64 bytes). False for anything else; out is then unspecified.
bool parse_stream_position(simdjson::dom::element value, hub::StreamPosition& out);

// Adds "offset" and "epoch" for a publication of a channel that keeps history (nothing for
// one that does not).
void write_stream_position(json::ObjectWriter& writer, const hub::Publication& publication);

// What a subscribe answer tells about the channel's stream (SessionCore::follow()).
struct StreamState {
  bool keeps_history = false;    // the channel's rule keeps history
  hub::StreamPosition position;  // its latest offset and epoch, when it does
  bool resumed = false;          // the client asked to resume from a position
  bool recovered = false;        // and everything after it is being replayed
  // A room whose capacity the cluster found reached (other nodes took the last places
  // first): the channel was left again, and the dialect answers with its "full" error.
  bool full = false;
};

// The members a subscribe answer adds: "recovered" when the client asked to resume,
// "offset" and "epoch" when the channel keeps history.
void write_stream_state(json::ObjectWriter& writer, const StreamState& state);

// A subscribe's `since` that maps channels to positions (envelope and events), for the
// channels the subscribe lists: each key must be one of them and not a pattern. Returns an
// empty string on success, else the error naming `field` (e.g. "payload.since").
using SincePositions = std::vector<std::pair<std::string, hub::StreamPosition>>;
std::string parse_since_map(simdjson::dom::element since, const std::vector<std::string>& channels,
                            std::string_view field, SincePositions& out);
// The position asked for `channel`, if any.
std::optional<hub::StreamPosition> since_for(const SincePositions& since, std::string_view channel);

// Takes the channels the cluster found full (StreamState::full) out of a many-channel
// subscribe's names and states, which keep the others in order; answers the full ones.
std::vector<std::string> take_full(std::vector<std::string>& names, std::vector<StreamState>& states);

// The members an answer to a many-channel subscribe adds: "recovered" (every channel asked
// to resume was) when any was asked, and "streams" {channel: {recovered?, offset, epoch}}
// for the channels that keep history or were asked to resume.
void write_stream_states(json::ObjectWriter& writer, const std::vector<std::string>& channels,
                         const std::vector<StreamState>& states);

}  // namespace sb::dialects

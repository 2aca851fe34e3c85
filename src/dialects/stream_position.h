#pragma once
#include <simdjson.h>

#include <string>

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
};

// The members a subscribe answer adds: "recovered" when the client asked to resume,
// "offset" and "epoch" when the channel keeps history.
void write_stream_state(json::ObjectWriter& writer, const StreamState& state);

}  // namespace sb::dialects

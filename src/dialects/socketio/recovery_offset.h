#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "hub/broker.h"

// Socket.IO connection state recovery (the client's `socket.recovered`), in the form the
// real client carries it: the CONNECT answer gives a private session id (`pid`), every event
// the server sends ends with an offset string (the client keeps the last string argument of
// any event), and a reconnecting client sends both back in its CONNECT `auth`.
//
// A Socket.IO session here follows a fixed list of channels (its company's and artifact's
// updates), each a stream of its own. The offset string therefore names a position in each
// of them, in the session's channel order: "<offset>:<epoch>,<offset>:<epoch>". The pid is
// random text, a dot, and the positions at CONNECT, so that a client that received no event
// before losing its connection can still resume. Nothing in either is secret: a resume only
// ever replays channels the reconnecting identity may read.
namespace sb::dialects::socketio {

// "<offset>:<epoch>" joined by commas.
std::string format_positions(const std::vector<hub::StreamPosition>& positions);
// The same appended to out (no allocation once out has grown: it runs per delivery).
void append_positions(std::string& out, const std::vector<hub::StreamPosition>& positions);
// Reads `expected` positions from an offset string. False for anything else (another
// count, a malformed or overlong value, an epoch that is not [A-Za-z0-9_-]{1,64}).
bool parse_positions(std::string_view text, size_t expected, std::vector<hub::StreamPosition>& out);

// Whether an epoch is one this format carries ([A-Za-z0-9_-]{1,64}: nothing to escape).
bool is_plain_epoch(std::string_view epoch);

// A new pid: 16 random URL-safe characters, '.', and the positions.
std::string new_pid(const std::vector<hub::StreamPosition>& positions);
// The positions a pid carries (what its session had at CONNECT), as parse_positions.
bool pid_positions(std::string_view pid, size_t expected, std::vector<hub::StreamPosition>& out);

}  // namespace sb::dialects::socketio

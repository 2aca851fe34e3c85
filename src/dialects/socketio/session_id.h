#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

// Engine.IO session ids: "<loop>.<node>.<random>". The sid is the only credential of a
// polling request, so 18 random bytes make it unguessable; the loop and node in front say
// where the session lives, so that any loop and any node of a cluster can route a request
// naming it there.
namespace sb::dialects::socketio {

struct SessionIdParts {
  size_t loop = 0;
  std::string_view node;  // 8 hex characters
};

// The loop index that text starts with ("<1..4 digits>." as in a sid or a forwarded
// request's ref), or nullopt.
std::optional<size_t> parse_loop_prefix(std::string_view text);
// A new sid for a session on `loop` of node `node`.
std::string make_session_id(size_t loop, std::string_view node);
// The loop and node a sid names, or nullopt when it is not one of ours (any other text from
// a client included: a sid that parses contains only [0-9A-Za-z._-]).
std::optional<SessionIdParts> parse_session_id(std::string_view sid);

}  // namespace sb::dialects::socketio

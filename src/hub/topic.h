#pragma once
#include <string_view>
#include <vector>

namespace sb::hub {

// One segment of a channel name or pattern. `separator` is the character before it
// ('.' or ':'), or 0 for the first segment. "matter:123" is {0,"matter"},{':',"123"}.
struct Segment {
  char separator;
  std::string_view text;
};

inline constexpr size_t kMaxChannelLength = 256;

// Splits name on '.' and ':' into out (cleared first). Views point into name.
void split_segments(std::string_view name, std::vector<Segment>& out);
// A concrete channel: 1..256 bytes, no empty segment, no whitespace or control characters,
// no '*' segments.
bool is_valid_channel(std::string_view name);
// A channel or a pattern whose wildcard segments are exactly "*" or "**".
bool is_valid_pattern(std::string_view pattern);
bool has_wildcard(std::string_view pattern);
// Whether a channel belongs to the server ("$all", "$role:admin"...): its first segment
// starts with '$'. No client reaches one, by name or by pattern.
bool is_reserved_channel(std::string_view name);
// Pattern semantics used everywhere: "*" matches exactly one segment, "**" one or more
// segments; a literal segment's separator must match the channel's. A wildcard in the first
// position never matches a first segment starting with '$' (as in MQTT), so no pattern can
// reach a reserved channel; the pattern trie follows the same rule.
bool pattern_matches(std::string_view pattern, std::string_view channel);
// True when some concrete channel matches both patterns (used to check a wildcard
// subscription against policy rules).
bool patterns_overlap(std::string_view a, std::string_view b);
// True when every channel matching `inner` also matches `outer`.
bool pattern_covers(std::string_view outer, std::string_view inner);

}  // namespace sb::hub

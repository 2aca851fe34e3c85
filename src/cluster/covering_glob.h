#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace sb::cluster {

// How a node's patterns map to Redis PSUBSCRIBE globs. A pattern's glob is the prefix, then
// the pattern's literal segments before its first wildcard (at most kGlobLiteralSegments of
// them, with the separator after the last), then "*": "doc:42:*" and "doc:42:**.x" share
// "<prefix>doc:42:*", and a pattern opening with a wildcard takes "<prefix>*". So whatever
// patterns a node holds, at most kGlobLiteralSegments + 1 of its globs match one channel,
// and Redis sends the node at most that many copies of a publication (not one per pattern);
// the node's trie then decides exactly which subscribers match.
inline constexpr size_t kGlobLiteralSegments = 3;

// The covering glob of a valid pattern, glob characters of its literal segments escaped.
std::string covering_glob(std::string_view prefix, std::string_view pattern);

// Calls visit(glob) for every covering glob that matches channel (a valid concrete
// channel), shortest first, until visit returns true. At most kGlobLiteralSegments + 1.
template <typename Visit>
void for_each_covering_glob(std::string_view prefix, std::string_view channel, Visit&& visit);

// Appends text to out with Redis glob characters escaped.
void append_glob_literal(std::string& out, std::string_view text);

template <typename Visit>
void for_each_covering_glob(std::string_view prefix, std::string_view channel, Visit&& visit) {
  std::string glob;
  append_glob_literal(glob, prefix);
  size_t base = glob.size();
  glob += '*';
  if (visit(std::string_view(glob))) return;
  // Then the globs of 1..kGlobLiteralSegments leading segments with the separator after
  // them: each needs a further segment of the channel to match.
  size_t segments = 0;
  for (size_t i = 0; i < channel.size() && segments < kGlobLiteralSegments; ++i) {
    if (channel[i] != '.' && channel[i] != ':') continue;
    ++segments;
    glob.resize(base);
    append_glob_literal(glob, channel.substr(0, i + 1));
    glob += '*';
    if (visit(std::string_view(glob))) return;
  }
}

}  // namespace sb::cluster

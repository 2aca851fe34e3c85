// Fuzzer-chosen patterns and a channel, as "pattern|pattern|...|channel": the trie must
// agree with the reference matcher on every pattern, deliver once per subscriber, and stay
// within its stated cost bound (node_count x (segments + 1) expansions) whatever the
// patterns; overlap and cover must never crash.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "hub/pattern_trie.h"
#include "hub/topic.h"

namespace {
struct Sink : sb::hub::Subscriber {
  int hits = 0;
  void deliver(const sb::hub::Publication&) override {}
};
constexpr size_t kMaxPatterns = 32;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> pieces;
  for (size_t start = 0;;) {
    size_t bar = text.find('|', start);
    pieces.push_back(text.substr(start, bar == std::string_view::npos ? std::string_view::npos : bar - start));
    if (bar == std::string_view::npos) break;
    start = bar + 1;
  }
  if (pieces.size() < 2 || pieces.size() > kMaxPatterns + 1) return 0;
  std::string_view channel = pieces.back();
  pieces.pop_back();
  (void)sb::hub::patterns_overlap(pieces[0], channel);
  (void)sb::hub::pattern_covers(pieces[0], channel);
  if (!sb::hub::is_valid_channel(channel)) return 0;
  sb::hub::PatternTrie trie;
  std::vector<Sink> sinks(pieces.size());
  for (size_t i = 0; i < pieces.size(); ++i) {
    if (sb::hub::is_valid_pattern(pieces[i])) trie.add(sinks[i], pieces[i]);
  }
  trie.match(channel, [](sb::hub::Subscriber& s) { ++static_cast<Sink&>(s).hits; });
  for (size_t i = 0; i < pieces.size(); ++i) {
    bool expected = sb::hub::is_valid_pattern(pieces[i]) && sb::hub::pattern_matches(pieces[i], channel);
    if (sinks[i].hits != (expected ? 1 : 0)) std::abort();
  }
  std::vector<sb::hub::Segment> segments;
  sb::hub::split_segments(channel, segments);
  if (trie.last_match_steps() > trie.node_count() * (segments.size() + 1)) std::abort();
  for (auto& sink : sinks) trie.remove_all(sink);
  if (trie.node_count() != 1) std::abort();
  return 0;
}

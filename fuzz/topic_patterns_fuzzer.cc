// Two fuzzer-chosen names as pattern and channel: the trie must agree with the reference
// matcher, and overlap/cover must never crash.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "hub/pattern_trie.h"
#include "hub/topic.h"

namespace {
struct Sink : sb::hub::Subscriber {
  void deliver(const sb::hub::Publication&) override {}
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  size_t bar = text.find('|');
  if (bar == std::string_view::npos) return 0;
  std::string_view pattern = text.substr(0, bar);
  std::string_view channel = text.substr(bar + 1);
  (void)sb::hub::patterns_overlap(pattern, channel);
  (void)sb::hub::pattern_covers(pattern, channel);
  if (!sb::hub::is_valid_pattern(pattern) || !sb::hub::is_valid_channel(channel)) return 0;
  sb::hub::PatternTrie trie;
  Sink sink;
  trie.add(sink, pattern);
  int hits = 0;
  trie.match(channel, [&](sb::hub::Subscriber&) { ++hits; });
  if ((hits == 1) != sb::hub::pattern_matches(pattern, channel)) std::abort();
  trie.remove_all(sink);
  return 0;
}

#include "cluster/covering_glob.h"

#include <vector>

#include "hub/topic.h"

namespace sb::cluster {

void append_glob_literal(std::string& out, std::string_view text) {
  for (char c : text) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out += '\\';
    out += c;
  }
}

std::string covering_glob(std::string_view prefix, std::string_view pattern) {
  std::vector<hub::Segment> segments;
  hub::split_segments(pattern, segments);
  // k leading literal segments, then the separator before segment k: the text up to there.
  size_t k = 0;
  while (k + 1 < segments.size() && k < kGlobLiteralSegments && segments[k].text != "*" && segments[k].text != "**") ++k;
  std::string out;
  append_glob_literal(out, prefix);
  if (k > 0) append_glob_literal(out, pattern.substr(0, static_cast<size_t>(segments[k].text.data() - pattern.data())));
  out += '*';
  return out;
}

}  // namespace sb::cluster

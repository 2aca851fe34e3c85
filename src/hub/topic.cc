#include "hub/topic.h"

#include <cstdint>
#include <string>

namespace sb::hub {

namespace {

bool is_separator(char c) { return c == '.' || c == ':'; }

// Patterns are compared as tokens: a literal segment, ONE (any single segment, from "*" or
// the first segment of "**") and REST (zero or more segments with any separators, the tail
// of "**"). ONE and literals carry the separator they must be preceded by.
enum class Kind : uint8_t { kLiteral, kOne, kRest };
struct Token {
  Kind kind;
  char separator;
  std::string_view text;
};

std::vector<Token> tokenize(std::string_view name) {
  std::vector<Segment> segments;
  split_segments(name, segments);
  std::vector<Token> tokens;
  tokens.reserve(segments.size() + 2);
  for (const auto& s : segments) {
    if (s.text == "**") {
      tokens.push_back({Kind::kOne, s.separator, {}});
      tokens.push_back({Kind::kRest, 0, {}});
    } else if (s.text == "*") {
      tokens.push_back({Kind::kOne, s.separator, {}});
    } else {
      tokens.push_back({Kind::kLiteral, s.separator, s.text});
    }
  }
  return tokens;
}

// Memoised search over (i, j) positions; patterns are at most 256 bytes, so the table is
// small and the search is polynomial even for patterns full of "**".
class PairSearch {
 public:
  PairSearch(const std::vector<Token>& a, const std::vector<Token>& b)
      : a_(a), b_(b), memo_((a.size() + 1) * (b.size() + 1), 0) {}

  // Some channel matches both a[i..] and b[j..].
  bool overlap(size_t i, size_t j) {
    uint8_t& m = memo_[i * (b_.size() + 1) + j];
    if (m) return m == 2;
    m = 1;
    bool r = overlap_uncached(i, j);
    m = r ? 2 : 1;
    return r;
  }
  // Every channel matching b[j..] matches a[i..].
  bool covers(size_t i, size_t j) {
    uint8_t& m = memo_[i * (b_.size() + 1) + j];
    if (m) return m == 2;
    m = 1;
    bool r = covers_uncached(i, j);
    m = r ? 2 : 1;
    return r;
  }

 private:
  static bool reserved(const Token& t) { return t.kind == Kind::kLiteral && !t.text.empty() && t.text[0] == '$'; }
  // first: both tokens open their names, where a wildcard never stands for a '$' segment.
  static bool single_compatible(const Token& x, const Token& y, bool first) {
    if (x.separator != y.separator) return false;
    if (first && ((x.kind == Kind::kOne && reserved(y)) || (y.kind == Kind::kOne && reserved(x)))) return false;
    return x.kind == Kind::kOne || y.kind == Kind::kOne || x.text == y.text;
  }
  bool overlap_uncached(size_t i, size_t j) {
    size_t n = a_.size(), m = b_.size();
    if (i == n && j == m) return true;
    if (i < n && a_[i].kind == Kind::kRest) {
      if (overlap(i + 1, j)) return true;
      if (j < m && overlap(i, j + 1)) return true;
      return false;
    }
    if (j < m && b_[j].kind == Kind::kRest) {
      if (overlap(i, j + 1)) return true;
      if (i < n && overlap(i + 1, j)) return true;
      return false;
    }
    if (i == n || j == m) return false;
    return single_compatible(a_[i], b_[j], i == 0 && j == 0) && overlap(i + 1, j + 1);
  }
  bool covers_uncached(size_t i, size_t j) {
    size_t n = a_.size(), m = b_.size();
    if (i == n && j == m) return true;
    if (i < n && a_[i].kind == Kind::kRest) {
      if (covers(i + 1, j)) return true;
      return j < m && covers(i, j + 1);
    }
    if (i == n || j == m) return false;
    const Token& outer = a_[i];
    const Token& inner = b_[j];
    if (inner.kind == Kind::kRest) return false;  // only an outer REST absorbs any run
    if (outer.separator != inner.separator) return false;
    if (inner.kind == Kind::kOne && outer.kind != Kind::kOne) return false;
    if (outer.kind == Kind::kLiteral && outer.text != inner.text) return false;
    if (i == 0 && j == 0 && outer.kind == Kind::kOne && reserved(inner)) return false;
    return covers(i + 1, j + 1);
  }

  const std::vector<Token>& a_;
  const std::vector<Token>& b_;
  std::vector<uint8_t> memo_;  // 0 unknown, 1 false (or in progress), 2 true
};

bool valid_name(std::string_view name, bool allow_wildcards) {
  if (name.empty() || name.size() > kMaxChannelLength) return false;
  for (unsigned char c : name) {
    if (c <= 0x20 || c == 0x7F || c == '"' || c == '\\') return false;
  }
  std::vector<Segment> segments;
  split_segments(name, segments);
  for (const auto& s : segments) {
    if (s.text.empty()) return false;
    bool wildcard = s.text == "*" || s.text == "**";
    if (wildcard && !allow_wildcards) return false;
    if (!wildcard && s.text.find('*') != std::string_view::npos) return false;
  }
  return true;
}

}  // namespace

void split_segments(std::string_view name, std::vector<Segment>& out) {
  out.clear();
  char separator = 0;
  size_t start = 0;
  for (size_t i = 0; i <= name.size(); ++i) {
    if (i == name.size() || is_separator(name[i])) {
      out.push_back({separator, name.substr(start, i - start)});
      if (i < name.size()) separator = name[i];
      start = i + 1;
    }
  }
}

bool is_valid_channel(std::string_view name) { return valid_name(name, false); }
bool is_reserved_channel(std::string_view name) { return !name.empty() && name.front() == '$'; }
bool is_valid_pattern(std::string_view pattern) { return valid_name(pattern, true); }
bool has_wildcard(std::string_view pattern) { return pattern.find('*') != std::string_view::npos; }

bool pattern_matches(std::string_view pattern, std::string_view channel) {
  return pattern_covers(pattern, channel);
}

bool patterns_overlap(std::string_view a, std::string_view b) {
  auto ta = tokenize(a);
  auto tb = tokenize(b);
  return PairSearch(ta, tb).overlap(0, 0);
}

bool pattern_covers(std::string_view outer, std::string_view inner) {
  auto ta = tokenize(outer);
  auto tb = tokenize(inner);
  return PairSearch(ta, tb).covers(0, 0);
}

}  // namespace sb::hub

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

// Calls add(Segment) for each segment of name, in order.
template <typename Add>
void for_each_segment(std::string_view name, Add&& add) {
  char separator = 0;
  size_t start = 0;
  for (size_t i = 0; i <= name.size(); ++i) {
    if (i == name.size() || is_separator(name[i])) {
      add(Segment{separator, name.substr(start, i - start)});
      if (i < name.size()) separator = name[i];
      start = i + 1;
    }
  }
}

// Calls add(Token) for each token of name ("**" gives two).
template <typename Add>
void for_each_token(std::string_view name, Add&& add) {
  for_each_segment(name, [&add](const Segment& s) {
    if (s.text == "**") {
      add(Token{Kind::kOne, s.separator, {}});
      add(Token{Kind::kRest, 0, {}});
    } else if (s.text == "*") {
      add(Token{Kind::kOne, s.separator, {}});
    } else {
      add(Token{Kind::kLiteral, s.separator, s.text});
    }
  });
}

std::vector<Token> tokenize(std::string_view name) {
  std::vector<Token> tokens;
  for_each_token(name, [&tokens](const Token& t) { tokens.push_back(t); });
  return tokens;
}

// The tokens of a name of at most kMaxChannelLength bytes, on the stack: a policy matches
// each subscribed or published channel against its rules, so this must not allocate. A
// name has at most kMaxChannelLength / 2 + 1 segments, and "**" adds one token.
class StackTokens {
 public:
  static constexpr size_t kCapacity = kMaxChannelLength + 2;
  explicit StackTokens(std::string_view name) {
    for_each_token(name, [this](const Token& t) { items_[size_++] = t; });
  }
  size_t size() const { return size_; }
  const Token& operator[](size_t i) const { return items_[i]; }

 private:
  Token items_[kCapacity];
  size_t size_ = 0;
};

bool reserved_literal(const Token& t) { return t.kind == Kind::kLiteral && !t.text.empty() && t.text[0] == '$'; }

// Whether pattern token p matches the channel's literal token c (at the start of both
// names when first: a wildcard never stands for a first '$' segment).
bool token_matches(const Token& p, const Token& c, bool first) {
  if (p.separator != c.separator) return false;
  if (p.kind == Kind::kLiteral) return p.text == c.text;
  return !(first && reserved_literal(c));
}

// pattern_matches for a channel without wildcards and names within kMaxChannelLength: the
// classic wildcard walk, where REST takes any run of segments and, on a mismatch, the last
// REST seen takes one segment more. That last REST is enough: every other token takes
// exactly one segment, so an earlier REST could only shift work the later one can do.
bool match_literal_channel(std::string_view pattern, std::string_view channel) {
  StackTokens p(pattern);
  StackTokens c(channel);
  size_t i = 0, j = 0;
  size_t rest = SIZE_MAX, rest_from = 0;
  while (j < c.size()) {
    if (i < p.size() && p[i].kind == Kind::kRest) {
      rest = i++;
      rest_from = j;
    } else if (i < p.size() && token_matches(p[i], c[j], i == 0 && j == 0)) {
      ++i;
      ++j;
    } else if (rest != SIZE_MAX) {
      i = rest + 1;
      j = ++rest_from;
    } else {
      return false;
    }
  }
  while (i < p.size() && p[i].kind == Kind::kRest) ++i;
  return i == p.size();
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
  // first: both tokens open their names, where a wildcard never stands for a '$' segment.
  static bool single_compatible(const Token& x, const Token& y, bool first) {
    if (x.separator != y.separator) return false;
    if (first && ((x.kind == Kind::kOne && reserved_literal(y)) || (y.kind == Kind::kOne && reserved_literal(x)))) return false;
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
    if (i == 0 && j == 0 && outer.kind == Kind::kOne && reserved_literal(inner)) return false;
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
  bool valid = true;
  for_each_segment(name, [&](const Segment& s) {
    bool wildcard = s.text == "*" || s.text == "**";
    if (s.text.empty() || (wildcard && !allow_wildcards) ||
        (!wildcard && s.text.find('*') != std::string_view::npos)) {
      valid = false;
    }
  });
  return valid;
}

}  // namespace

void split_segments(std::string_view name, std::vector<Segment>& out) {
  out.clear();
  for_each_segment(name, [&out](const Segment& s) { out.push_back(s); });
}

bool is_valid_channel(std::string_view name) { return valid_name(name, false); }
bool is_reserved_channel(std::string_view name) { return !name.empty() && name.front() == '$'; }
bool is_valid_pattern(std::string_view pattern) { return valid_name(pattern, true); }
bool has_wildcard(std::string_view pattern) { return pattern.find('*') != std::string_view::npos; }

bool pattern_matches(std::string_view pattern, std::string_view channel) {
  if (pattern.size() <= kMaxChannelLength && channel.size() <= kMaxChannelLength && !has_wildcard(channel)) {
    return match_literal_channel(pattern, channel);
  }
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

#include "hub/topic.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace sb::hub {

TEST(Topic, SplitsOnDotsAndColonsKeepingTheSeparator) {
  std::vector<Segment> s;
  split_segments("matter:123.notes", s);
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].separator, 0);
  EXPECT_EQ(s[0].text, "matter");
  EXPECT_EQ(s[1].separator, ':');
  EXPECT_EQ(s[2].separator, '.');
  EXPECT_EQ(s[2].text, "notes");
}

TEST(Topic, ValidatesChannelsAndPatterns) {
  EXPECT_TRUE(is_valid_channel("messages.user.123"));
  EXPECT_FALSE(is_valid_channel("messages.*"));
  EXPECT_FALSE(is_valid_channel("a..b"));
  EXPECT_FALSE(is_valid_channel(""));
  EXPECT_FALSE(is_valid_channel("has space"));
  EXPECT_FALSE(is_valid_channel(std::string(300, 'a')));
  EXPECT_TRUE(is_valid_pattern("messages.**"));
  EXPECT_TRUE(is_valid_pattern("a.*.c"));
  EXPECT_FALSE(is_valid_pattern("a.b*"));
  EXPECT_FALSE(is_valid_pattern("a.***"));
}

TEST(Topic, MatchesTheSeedExamples) {
  EXPECT_TRUE(pattern_matches("messages.user.*", "messages.user.123"));
  EXPECT_TRUE(pattern_matches("messages.user.*", "messages.user.456"));
  EXPECT_FALSE(pattern_matches("messages.user.*", "messages.channel.general"));
  EXPECT_FALSE(pattern_matches("messages.user.*", "messages.user.123.replies"));
  EXPECT_TRUE(pattern_matches("messages.**", "messages.user.123"));
  EXPECT_TRUE(pattern_matches("messages.**", "messages.channel.general"));
  EXPECT_TRUE(pattern_matches("messages.**", "messages.user.123.replies"));
  EXPECT_FALSE(pattern_matches("messages.**", "messages"));
  EXPECT_TRUE(pattern_matches("a.**.z", "a.b.c.z"));
  EXPECT_FALSE(pattern_matches("a.**.z", "a.z"));
  EXPECT_TRUE(pattern_matches("matter:*", "matter:123"));
  EXPECT_FALSE(pattern_matches("matter.*", "matter:123"));  // separators are part of the name
}

TEST(Topic, OverlapAndCoverage) {
  EXPECT_TRUE(patterns_overlap("messages.**", "messages.user.*"));
  EXPECT_TRUE(patterns_overlap("*.user.*", "messages.**"));
  EXPECT_FALSE(patterns_overlap("messages.user.*", "messages.channel.*"));
  EXPECT_FALSE(patterns_overlap("a.b", "a.b.c"));
  EXPECT_TRUE(patterns_overlap("**", "x:y"));
  EXPECT_TRUE(pattern_covers("messages.**", "messages.user.*"));
  EXPECT_FALSE(pattern_covers("messages.user.*", "messages.**"));
  EXPECT_TRUE(pattern_covers("notifications.user.alice", "notifications.user.alice"));
  EXPECT_FALSE(pattern_covers("notifications.user.alice", "notifications.user.*"));
}

TEST(Topic, LeadingWildcardsNeverReachReservedChannels) {
  EXPECT_TRUE(is_reserved_channel("$all"));
  EXPECT_FALSE(is_reserved_channel("a.$b"));
  EXPECT_FALSE(pattern_matches("**", "$role:admin"));
  EXPECT_FALSE(pattern_matches("*:*", "$role:admin"));
  EXPECT_FALSE(pattern_matches("*", "$all"));
  EXPECT_TRUE(pattern_matches("$role:*", "$role:admin"));  // a literal '$' segment still names them
  EXPECT_TRUE(pattern_matches("a.*", "a.$b"));               // only the first segment is reserved
  EXPECT_FALSE(patterns_overlap("**", "$role:admin"));
  EXPECT_FALSE(patterns_overlap("*:*", "$role:*"));
  EXPECT_FALSE(pattern_covers("**", "$all"));
  EXPECT_TRUE(patterns_overlap("**", "x:y"));
}

}  // namespace sb::hub

namespace sb::hub {

TEST(Topic, PatternMatchesAgreesWithTheGeneralCoverSearch) {
  // pattern_matches takes an allocation-free walk for concrete channels; it must answer as
  // pattern_covers does, for every mix of wildcards, separators and reserved segments.
  std::mt19937 random(2026);
  auto pick = [&random](std::initializer_list<const char*> options) {
    std::uniform_int_distribution<size_t> d(0, options.size() - 1);
    return std::string(options.begin()[d(random)]);
  };
  auto name = [&](bool wildcards) {
    std::uniform_int_distribution<int> length(1, 6);
    std::string out;
    int n = length(random);
    for (int k = 0; k < n; ++k) {
      if (k > 0) out += pick({".", ":"});
      out += wildcards ? pick({"a", "b", "$r", "*", "**", "**"}) : pick({"a", "b", "$r"});
    }
    return out;
  };
  int matched = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string pattern = name(true), channel = name(false);
    bool expected = pattern_covers(pattern, channel);
    ASSERT_EQ(pattern_matches(pattern, channel), expected) << pattern << " against " << channel;
    matched += expected ? 1 : 0;
  }
  EXPECT_GT(matched, 500);  // the cases were not all misses
}

}  // namespace sb::hub

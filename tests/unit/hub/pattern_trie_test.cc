#include "hub/pattern_trie.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

namespace sb::hub {

namespace {
struct Sink : Subscriber {
  int received = 0;
  void deliver(const Publication&) override { ++received; }
};

std::vector<Sink*> matches(PatternTrie& trie, std::string_view channel) {
  std::vector<Sink*> out;
  trie.match(channel, [&](Subscriber& s) { out.push_back(static_cast<Sink*>(&s)); });
  return out;
}
}  // namespace

TEST(PatternTrie, MatchesExactAndWildcardSubscriptions) {
  PatternTrie trie;
  Sink exact, one, many, other;
  trie.add(exact, "messages.user.123");
  trie.add(one, "messages.user.*");
  trie.add(many, "messages.**");
  trie.add(other, "notifications.**");
  auto m = matches(trie, "messages.user.123");
  EXPECT_EQ(m.size(), 3u);
  EXPECT_EQ(matches(trie, "messages.channel.general").size(), 1u);
  EXPECT_EQ(matches(trie, "notifications.user.1").size(), 1u);
  EXPECT_TRUE(matches(trie, "other").empty());
}

TEST(PatternTrie, DeliversOnceWhenSeveralPatternsOfOneSubscriberMatch) {
  PatternTrie trie;
  Sink s;
  trie.add(s, "a.b.c");
  trie.add(s, "a.*.c");
  trie.add(s, "a.**");
  trie.add(s, "**");
  EXPECT_EQ(matches(trie, "a.b.c").size(), 1u);
  EXPECT_EQ(matches(trie, "a.b.c").size(), 1u);  // and again for the next publication
}

TEST(PatternTrie, LeadingWildcardsSkipReservedChannelsAsPatternMatchesDoes) {
  PatternTrie trie;
  Sink all, one, role;
  trie.add(all, "**");
  trie.add(one, "*:*");
  trie.add(role, "$role:admin");
  auto m = matches(trie, "$role:admin");
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0], &role);
  EXPECT_EQ(matches(trie, "room:admin").size(), 2u);
  for (const char* channel : {"$all", "$role:admin", "a.$b", "x:y"}) {
    for (const char* pattern : {"**", "*:*", "*", "$role:admin"}) {
      PatternTrie t;
      Sink s;
      t.add(s, pattern);
      EXPECT_EQ(matches(t, channel).size() == 1, pattern_matches(pattern, channel)) << pattern << " " << channel;
    }
  }
}

TEST(PatternTrie, AddIsIdempotentAndRemovePrunes) {
  PatternTrie trie;
  Sink s;
  EXPECT_TRUE(trie.add(s, "x.y.z"));
  EXPECT_FALSE(trie.add(s, "x.y.z"));
  EXPECT_EQ(s.subscription_count(), 1u);
  EXPECT_TRUE(trie.remove(s, "x.y.z"));
  EXPECT_FALSE(trie.remove(s, "x.y.z"));
  EXPECT_EQ(trie.node_count(), 1u);  // only the root is left
}

TEST(PatternTrie, SwapRemovalKeepsIndexesConsistentUnderChurn) {
  PatternTrie trie;
  std::vector<Sink> sinks(200);
  const std::vector<std::string> patterns = {"c.1", "c.*", "c.**", "d.1", "**"};
  std::mt19937 rng(7);
  std::vector<std::vector<bool>> held(sinks.size(), std::vector<bool>(patterns.size(), false));
  for (int step = 0; step < 20000; ++step) {
    size_t i = rng() % sinks.size();
    size_t p = rng() % patterns.size();
    if (rng() % 5 == 0) {
      trie.remove_all(sinks[i]);
      std::fill(held[i].begin(), held[i].end(), false);
    } else if (held[i][p]) {
      ASSERT_TRUE(trie.remove(sinks[i], patterns[p]));
      held[i][p] = false;
    } else {
      ASSERT_TRUE(trie.add(sinks[i], patterns[p]));
      held[i][p] = true;
    }
  }
  // Expected receivers of channel "c.1": anyone holding any of the first three patterns or "**".
  size_t expected = 0;
  for (size_t i = 0; i < sinks.size(); ++i) {
    if (held[i][0] || held[i][1] || held[i][2] || held[i][4]) ++expected;
  }
  EXPECT_EQ(matches(trie, "c.1").size(), expected);
  for (auto& s : sinks) trie.remove_all(s);
  EXPECT_EQ(trie.node_count(), 1u);
}

TEST(PatternTrie, ListsPatternsOfASubscriber) {
  PatternTrie trie;
  Sink s;
  trie.add(s, "a.*");
  trie.add(s, "b:**");
  auto p = trie.patterns_of(s);
  std::sort(p.begin(), p.end());
  EXPECT_EQ(p, (std::vector<std::string>{"a.*", "b:**"}));
}

}  // namespace sb::hub

namespace sb::hub {

// Thousands of sibling channels (one per user) fill, grow, shrink and empty a node's child
// table in random order; every remaining channel must still be found, removed ones never,
// and the trie must end with its root only.
TEST(PatternTrie, ManySiblingChannelsComeAndGoInAnyOrder) {
  PatternTrie trie;
  constexpr int kUsers = 5000;
  std::vector<Sink> sinks(kUsers);
  std::vector<int> order(kUsers);
  for (int i = 0; i < kUsers; ++i) {
    order[i] = i;
    ASSERT_TRUE(trie.add(sinks[i], "user:" + std::to_string(i)));
    if (i % 3 == 0) {
      ASSERT_TRUE(trie.add(sinks[i], "user:" + std::to_string(i) + ".inbox"));
    }
  }
  std::mt19937 random(7);
  std::shuffle(order.begin(), order.end(), random);
  std::vector<bool> gone(kUsers, false);
  for (int n = 0; n < kUsers; ++n) {
    int i = order[n];
    ASSERT_TRUE(trie.remove(sinks[i], "user:" + std::to_string(i)));
    gone[i] = true;
    if (n % 500 == 0 || n > kUsers - 20) {
      for (int j = 0; j < kUsers; ++j) {
        auto m = matches(trie, "user:" + std::to_string(j));
        ASSERT_EQ(m.size(), gone[j] ? 0u : 1u) << "user " << j << " after " << n + 1 << " removals";
        if (!gone[j]) {
          ASSERT_EQ(m[0], &sinks[j]);
        }
      }
    }
  }
  for (int i = 0; i < kUsers; i += 3) {
    auto m = matches(trie, "user:" + std::to_string(i) + ".inbox");
    ASSERT_EQ(m.size(), 1u);
    trie.remove_all(sinks[i]);
  }
  EXPECT_EQ(trie.node_count(), 1u);
}

// A channel with many subscribers keeps each one through swap-removals from the middle
// (the first inline, the rest in the grown array).
TEST(PatternTrie, ABusyChannelKeepsItsSubscribersThroughRemovals) {
  PatternTrie trie;
  std::vector<Sink> sinks(100);
  for (auto& s : sinks) trie.add(s, "room.lobby");
  for (int i = 0; i < 100; i += 2) trie.remove(sinks[i], "room.lobby");
  auto m = matches(trie, "room.lobby");
  ASSERT_EQ(m.size(), 50u);
  for (int i = 1; i < 100; i += 2) EXPECT_NE(std::find(m.begin(), m.end(), &sinks[i]), m.end());
  for (int i = 1; i < 100; i += 2) trie.remove(sinks[i], "room.lobby");
  EXPECT_TRUE(matches(trie, "room.lobby").empty());
  EXPECT_EQ(trie.node_count(), 1u);
}

// The attack of issue 30: eight "**" against a channel of a hundred segments used to try
// every placement of every "**" (the walk pinned a core for minutes). Each state is now
// expanded once, within the trie's stated bound.
TEST(PatternTrie, ManyDeepWildcardsMatchInBoundedSteps) {
  PatternTrie trie;
  Sink s;
  std::string pattern = "messages";
  for (int k = 0; k < 8; ++k) pattern += ".**";
  trie.add(s, pattern);
  std::string channel = "messages";
  for (int k = 0; k < 100; ++k) channel += ".a";
  ASSERT_EQ(matches(trie, channel).size(), 1u);
  EXPECT_LE(trie.last_match_steps(), trie.node_count() * 102);
  std::string too_short = "messages.a.a.a.a.a.a.a";  // seven segments after: one per "**" is missing
  EXPECT_TRUE(matches(trie, too_short).empty());
  EXPECT_TRUE(matches(trie, too_short + ".a").size() == 1u);
}

// Random sets of wildcard-heavy patterns: the trie agrees with pattern_matches on every
// pattern, delivers once per subscriber, and stays within node_count x (segments + 1).
TEST(PatternTrie, RandomWildcardPatternsAgreeWithTheReferenceWithinTheBound) {
  std::mt19937 random(30);
  const char* pieces[] = {"a", "b", "*", "**"};
  for (int round = 0; round < 300; ++round) {
    PatternTrie trie;
    std::vector<Sink> sinks(12);
    std::vector<std::string> patterns;
    for (auto& sink : sinks) {
      std::string p;
      int segments = 1 + static_cast<int>(random() % 7);
      for (int k = 0; k < segments; ++k) {
        if (k > 0) p += (random() % 4 == 0) ? ":" : ".";
        p += pieces[random() % 4];
      }
      patterns.push_back(p);
      trie.add(sink, p);
    }
    std::string channel;
    int segments = 1 + static_cast<int>(random() % 24);
    for (int k = 0; k < segments; ++k) {
      if (k > 0) channel += (random() % 4 == 0) ? ":" : ".";
      channel += (random() % 2) ? "a" : "b";
    }
    auto m = matches(trie, channel);
    for (size_t k = 0; k < sinks.size(); ++k) {
      bool expected = pattern_matches(patterns[k], channel);
      bool got = std::find(m.begin(), m.end(), &sinks[k]) != m.end();
      ASSERT_EQ(got, expected) << patterns[k] << " against " << channel;
    }
    ASSERT_LE(trie.last_match_steps(), trie.node_count() * (segments + 1)) << channel;
  }
}

}  // namespace sb::hub

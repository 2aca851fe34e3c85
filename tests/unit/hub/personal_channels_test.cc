#include "hub/personal_channels.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "hub/hub.h"

namespace sb::hub {

namespace {
struct Sink : Subscriber {
  int received = 0;
  void deliver(const Publication&) override { ++received; }
};

// Who hears channel, as the shard would visit them for one publication.
std::vector<Sink*> hearers(PersonalChannels& channels, std::string_view channel, uint64_t seq) {
  std::vector<Sink*> out;
  channels.match(channel, seq, [&](Subscriber& s) { out.push_back(static_cast<Sink*>(&s)); });
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<Sink*> sorted(std::vector<Sink*> v) {
  std::sort(v.begin(), v.end());
  return v;
}
}  // namespace

TEST(PersonalChannels, EachChannelReachesWhomItShould) {
  PersonalChannels channels;
  Sink anonymous, alice1, alice2, bob, unnamed;
  const std::string a = "alice", b = "bob";
  channels.add(anonymous, {}, false);
  channels.add(alice1, a, true);
  channels.add(alice2, a, true);
  channels.add(bob, b, true);
  channels.add(unnamed, {}, true);  // named, but no valid personal channel
  uint64_t seq = 0;
  EXPECT_EQ(hearers(channels, "$all", ++seq), sorted({&anonymous, &alice1, &alice2, &bob, &unnamed}));
  EXPECT_EQ(hearers(channels, "$authenticated", ++seq), sorted({&alice1, &alice2, &bob, &unnamed}));
  EXPECT_EQ(hearers(channels, "user:alice", ++seq), sorted({&alice1, &alice2}));
  EXPECT_EQ(hearers(channels, "user:bob", ++seq), sorted({&bob}));
  EXPECT_TRUE(hearers(channels, "user:carol", ++seq).empty());
  EXPECT_TRUE(hearers(channels, "user:", ++seq).empty());
  EXPECT_TRUE(hearers(channels, "users:alice", ++seq).empty());
  EXPECT_TRUE(hearers(channels, "$role:admin", ++seq).empty());
}

TEST(PersonalChannels, UserIdsWithSeparatorsReachOnlyTheirOwner) {
  // "x", "x.y" and "x:y" are different users: a personal channel is the whole id, never a
  // prefix or a segment of another one.
  PersonalChannels channels;
  Sink x, x_dot_y, x_colon_y;
  const std::string ids[] = {"x", "x.y", "x:y"};
  channels.add(x, ids[0], true);
  channels.add(x_dot_y, ids[1], true);
  channels.add(x_colon_y, ids[2], true);
  uint64_t seq = 0;
  EXPECT_EQ(hearers(channels, "user:x", ++seq), sorted({&x}));
  EXPECT_EQ(hearers(channels, "user:x.y", ++seq), sorted({&x_dot_y}));
  EXPECT_EQ(hearers(channels, "user:x:y", ++seq), sorted({&x_colon_y}));
  EXPECT_TRUE(hearers(channels, "user:x.z", ++seq).empty());
  EXPECT_TRUE(hearers(channels, "user:*", ++seq).empty());
}

TEST(PersonalChannels, SkipsSubscribersTheTrieReachedForTheSamePublication) {
  PatternTrie trie;
  PersonalChannels channels;
  Sink admin, alice;
  const std::string a = "alice", root = "root";
  trie.add(admin, "user:*");  // an admin watching every personal channel
  channels.add(admin, root, true);
  channels.add(alice, a, true);
  std::vector<Sink*> visited;
  auto visit = [&](Subscriber& s) { visited.push_back(static_cast<Sink*>(&s)); };
  trie.add(alice, "user:alice");  // joined explicitly as well
  trie.match("user:alice", visit);
  channels.match("user:alice", trie.delivery_seq(), visit);
  EXPECT_EQ(sorted(visited), sorted({&admin, &alice}));
}

TEST(PersonalChannels, RemovalKeepsChainsAndListConsistent) {
  // Many connections over a few users, removed in random order: after each removal every
  // remaining one still hears exactly its channels.
  PersonalChannels channels;
  std::vector<std::string> users = {"u0", "u1", "u2", "u3", "u4", "u5", "u6"};
  std::vector<Sink> sinks(300);
  for (size_t i = 0; i < sinks.size(); ++i) channels.add(sinks[i], users[i % users.size()], i % 5 != 0);
  std::vector<size_t> order(sinks.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), std::mt19937(7));
  std::vector<bool> held(sinks.size(), true);
  uint64_t seq = 0;
  for (size_t step = 0; step < order.size(); ++step) {
    channels.remove(sinks[order[step]]);
    channels.remove(sinks[order[step]]);  // a second removal changes nothing
    held[order[step]] = false;
    if (step % 37 != 0 && step + 1 != order.size()) continue;
    for (size_t u = 0; u < users.size(); ++u) {
      std::vector<Sink*> expected;
      for (size_t i = u; i < sinks.size(); i += users.size()) {
        if (held[i]) expected.push_back(&sinks[i]);
      }
      EXPECT_EQ(hearers(channels, "user:" + users[u], ++seq), sorted(expected));
    }
    std::vector<Sink*> all, named;
    for (size_t i = 0; i < sinks.size(); ++i) {
      if (!held[i]) continue;
      all.push_back(&sinks[i]);
      if (i % 5 != 0) named.push_back(&sinks[i]);
    }
    EXPECT_EQ(hearers(channels, "$all", ++seq), sorted(all));
    EXPECT_EQ(hearers(channels, "$authenticated", ++seq), sorted(named));
  }
  EXPECT_EQ(channels.size(), 0u);
}

TEST(PersonalChannels, ReportsFirstAndLastInterestPerChannel) {
  PersonalChannels channels;
  std::vector<std::string> events;
  channels.on_interest([&](std::string_view channel, bool first) {
    events.push_back((first ? "+" : "-") + std::string(channel));
  });
  Sink guest, alice1, alice2;
  const std::string a = "alice";
  channels.add(guest, {}, false);
  channels.add(alice1, a, true);
  channels.add(alice2, a, true);
  channels.remove(alice1);
  channels.remove(alice2);
  channels.remove(guest);
  EXPECT_EQ(events, (std::vector<std::string>{"+$all", "+$authenticated", "+user:alice", "-user:alice",
                                              "-$authenticated", "-$all"}));
}

TEST(PersonalChannels, EveryOtherSubscriberIsReachedWhenOneLeavesDuringItsDelivery) {
  // A session that closes as it hears a disconnect order must not cut the user's other
  // connections off from the same order.
  PersonalChannels channels;
  std::vector<Sink> sinks(6);
  const std::string a = "alice";
  for (auto& s : sinks) channels.add(s, a, true);
  for (const char* channel : {"user:alice", "$all", "$authenticated"}) {
    std::vector<Sink*> visited;
    Sink* leaver = &sinks[static_cast<size_t>(visited.size() + 2)];
    static uint64_t seq = 0;
    channels.match(channel, ++seq, [&](Subscriber& s) {
      visited.push_back(static_cast<Sink*>(&s));
      if (&s == leaver) channels.remove(s);
    });
    EXPECT_EQ(visited.size(), channels.size() + 1) << channel;
    channels.add(*leaver, a, true);
  }
}

TEST(PersonalChannels, HubShardDeliversPersonalChannelsAndForgetsThemOnUnsubscribeAll) {
  Hub hub;
  HubShard& shard = hub.add_shard([] {});
  Sink alice, guest;
  const std::string a = "alice";
  shard.add_personal(alice, a, true);
  shard.add_personal(guest, {}, false);
  shard.subscribe(alice, "user:*");
  auto publish = [&](std::string channel) {
    auto p = std::make_shared<Publication>();
    p->channel = std::move(channel);
    hub.publish(p, 0);
  };
  publish("user:alice");
  publish("$all");
  publish("$authenticated");
  EXPECT_EQ(alice.received, 3);  // once for user:alice, though two ways reach it
  EXPECT_EQ(guest.received, 1);
  shard.unsubscribe_all(alice);
  publish("user:alice");
  publish("$all");
  EXPECT_EQ(alice.received, 3);
  EXPECT_EQ(guest.received, 2);
}

}  // namespace sb::hub

namespace sb::hub {

// The user is kept with a 16-bit size: one too long for a `user:` channel is taken as none
// rather than cut to another user's name.
TEST(PersonalChannels, AUserTooLongForAChannelIsTakenAsNone) {
  PersonalChannels channels;
  Sink long_named, short_named;
  const std::string long_user(65537, 'a');  // cut to 16 bits it would read "a"
  const std::string short_user = "a";
  channels.add(long_named, long_user, true);
  channels.add(short_named, short_user, true);
  EXPECT_EQ(hearers(channels, "user:" + short_user, 1), sorted({&short_named}));
  EXPECT_EQ(hearers(channels, "$authenticated", 2), sorted({&long_named, &short_named}));
  channels.remove(long_named);
  channels.remove(short_named);
  EXPECT_EQ(channels.size(), 0u);
}

}  // namespace sb::hub

#include "hub/memory_broker.h"

#include <gtest/gtest.h>

#include <thread>

#include "hub/hub.h"

namespace sb::hub {

namespace {
struct Sink : Subscriber {
  std::vector<uint64_t> offsets;
  void deliver(const Publication& p) override { offsets.push_back(p.offset); }
};

std::shared_ptr<Publication> make(std::string channel, std::string id) {
  auto p = std::make_shared<Publication>();
  p->channel = std::move(channel);
  p->id = std::move(id);
  return p;
}

// "feed.*" keeps 3 publications for 10 s; everything else keeps none.
Retention feed_rule(std::string_view channel) {
  return channel.starts_with("feed.") ? Retention{3, 10} : Retention{};
}

struct Fixture {
  Hub hub;
  uint64_t now = 1'000'000;
  MemoryBroker* broker = nullptr;
  Fixture() {
    auto b = std::make_unique<MemoryBroker>(hub, feed_rule, 60'000, [this] { return now; });
    broker = b.get();
    hub.set_broker(std::move(b));
  }
  HistoryResult read(std::string_view channel, uint64_t after = 0, size_t limit = 100) {
    HistoryResult out;
    bool called = false;
    broker->read_history(channel, after, limit, 0, [&](HistoryResult r) {
      out = std::move(r);
      called = true;
    });
    EXPECT_TRUE(called);  // the memory broker answers at once
    return out;
  }
};
}  // namespace

TEST(MemoryBroker, ChannelsWithoutHistoryAreDeliveredAtOnceAndNotNumbered) {
  Fixture f;
  HubShard& s0 = f.hub.add_shard([] {});
  Sink a;
  s0.subscribe(a, "plain");
  f.hub.publish(make("plain", "1"), 0);
  ASSERT_EQ(a.offsets, (std::vector<uint64_t>{0}));
  HistoryResult h = f.read("plain");
  EXPECT_FALSE(h.keeps_history);
  EXPECT_TRUE(h.publications.empty());
}

TEST(MemoryBroker, NumbersPublicationsAndDeliversThemThroughTheInboxInOffsetOrder) {
  Fixture f;
  int wakes = 0;
  HubShard& s0 = f.hub.add_shard([&] { ++wakes; });
  Sink a;
  s0.subscribe(a, "feed.1");
  f.hub.publish(make("feed.1", "a"), 0);
  f.hub.publish(make("feed.1", "b"), 0);
  EXPECT_TRUE(a.offsets.empty());  // even the origin's subscribers get it on the next drain
  s0.drain_inbox();
  EXPECT_EQ(a.offsets, (std::vector<uint64_t>{1, 2}));
  HistoryResult h = f.read("feed.1");
  ASSERT_TRUE(h.keeps_history);
  EXPECT_EQ(h.top.offset, 2u);
  EXPECT_EQ(h.top.epoch.size(), 8u);
  EXPECT_EQ(h.first_offset, 1u);
  ASSERT_EQ(h.publications.size(), 2u);
  EXPECT_EQ(h.publications[0]->id, "a");
  EXPECT_EQ(h.publications[1]->epoch, h.top.epoch);
}

TEST(MemoryBroker, EphemeralPublicationsAreNeitherKeptNorNumbered) {
  Fixture f;
  f.hub.add_shard([] {});
  auto p = make("feed.1", "typing");
  p->keep_in_history = false;
  f.hub.publish(p, 0);
  EXPECT_EQ(p->offset, 0u);
  EXPECT_EQ(f.read("feed.1").top.offset, 0u);
}

TEST(MemoryBroker, KeepsTheNewestUpToTheSizeAndDropsExpiredOnes) {
  Fixture f;
  f.hub.add_shard([] {});
  for (int i = 1; i <= 5; ++i) f.hub.publish(make("feed.x", std::to_string(i)), 0);
  HistoryResult h = f.read("feed.x");
  EXPECT_EQ(h.top.offset, 5u);
  EXPECT_EQ(h.first_offset, 3u);
  ASSERT_EQ(h.publications.size(), 3u);
  EXPECT_EQ(f.read("feed.x", 4).publications.size(), 1u);
  EXPECT_EQ(f.read("feed.x", 0, 2).publications.size(), 2u);
  f.now += 10'001;
  h = f.read("feed.x");
  EXPECT_TRUE(h.publications.empty());
  EXPECT_EQ(h.first_offset, 0u);
  EXPECT_EQ(h.top.offset, 5u);  // the position outlives the publications
}

TEST(MemoryBroker, RecoveryNeedsTheSameEpochAndNothingDroppedInBetween) {
  Fixture f;
  f.hub.add_shard([] {});
  for (int i = 1; i <= 5; ++i) f.hub.publish(make("feed.x", std::to_string(i)), 0);
  std::string epoch = f.read("feed.x").top.epoch;
  auto recover = [&](uint64_t offset, std::string e) { return can_recover({offset, e}, f.read("feed.x", offset)); };
  EXPECT_TRUE(recover(5, epoch));   // nothing missed
  EXPECT_TRUE(recover(2, epoch));   // 3, 4, 5 are kept
  EXPECT_FALSE(recover(1, epoch));  // 2 was dropped
  EXPECT_FALSE(recover(6, epoch));  // beyond the stream
  EXPECT_FALSE(recover(4, "other"));
  EXPECT_FALSE(can_recover({0, ""}, f.read("plain")));
}

TEST(MemoryBroker, ForgetsAStreamWithoutPublicationsOrSubscribersAtTheNextUpkeep) {
  Fixture f;
  HubShard& s0 = f.hub.add_shard([] {});
  Sink follower;
  s0.subscribe(follower, "feed.kept");
  f.hub.publish(make("feed.kept", "1"), 0);
  f.hub.publish(make("feed.gone", "1"), 0);
  std::string epoch = f.read("feed.gone").top.epoch;
  f.now += 5'000;
  f.broker->maintain(f.now);
  EXPECT_EQ(f.broker->stream_count(), 2u);  // publications still kept
  f.now += 10'000;  // the next upkeep (every 10 s)
  f.broker->maintain(f.now);
  // feed.gone: expired and unfollowed; feed.kept: a subscriber holds its position.
  EXPECT_EQ(f.broker->stream_count(), 1u);
  HistoryResult h = f.read("feed.gone");
  EXPECT_EQ(h.top.offset, 0u);
  EXPECT_NE(h.top.epoch, epoch);
  EXPECT_EQ(f.read("feed.kept").top.offset, 1u);
  s0.unsubscribe(follower, "feed.kept");
  f.now += 11'000;
  f.broker->maintain(f.now);
  EXPECT_EQ(f.broker->stream_count(), 0u);
}

TEST(MemoryBroker, ForgetsAFollowedStreamWithoutPublicationsAfterTheMetaTtl) {
  Fixture f;
  HubShard& s0 = f.hub.add_shard([] {});
  Sink follower;
  s0.subscribe(follower, "feed.x");
  f.hub.publish(make("feed.x", "1"), 0);
  f.now += 30'000;
  f.broker->maintain(f.now);
  EXPECT_EQ(f.broker->stream_count(), 1u);
  f.now += 60'000;
  f.broker->maintain(f.now);
  EXPECT_EQ(f.broker->stream_count(), 0u);
}

// Issue 30: every read of a position used to create a record kept for the meta TTL (about
// 840 bytes per channel that never published).
TEST(MemoryBroker, ReadingAChannelThatNeverPublishedKeepsNothing) {
  Fixture f;
  f.hub.add_shard([] {});
  for (int i = 0; i < 1000; ++i) {
    HistoryResult h = f.read("feed.r" + std::to_string(i));
    ASSERT_TRUE(h.keeps_history);
    EXPECT_EQ(h.top.offset, 0u);
    EXPECT_TRUE(h.top.epoch.starts_with("u-"));
  }
  EXPECT_EQ(f.broker->stream_count(), 0u);
}

TEST(MemoryBroker, AnUnstartedPositionRecoversWhatFollowedWithinTheHistoryTtl) {
  Fixture f;
  f.hub.add_shard([] {});
  StreamPosition seen = f.read("feed.u").top;
  EXPECT_TRUE(can_recover(seen, f.read("feed.u")));  // nothing happened
  f.hub.publish(make("feed.u", "1"), 0);
  f.hub.publish(make("feed.u", "2"), 0);
  HistoryResult h = f.read("feed.u", 0);
  EXPECT_TRUE(can_recover(seen, h));
  EXPECT_EQ(h.publications.size(), 2u);
  // The first publication dropped (three are kept): what came first is lost.
  for (int i = 3; i <= 4; ++i) f.hub.publish(make("feed.u", std::to_string(i)), 0);
  EXPECT_FALSE(can_recover(seen, f.read("feed.u", 0)));
  // Too late to know that no stream came and went unseen; another process; not unstarted.
  StreamPosition quiet = f.read("feed.q").top;
  EXPECT_TRUE(can_recover(quiet, f.read("feed.q")));
  f.now += 9'000;
  EXPECT_FALSE(can_recover(quiet, f.read("feed.q")));  // 10 s later, with the clock margin, is past the TTL
  Fixture other;
  other.hub.add_shard([] {});
  EXPECT_FALSE(can_recover(quiet, other.read("feed.q")));
  EXPECT_FALSE(can_recover({0, "u--5"}, f.read("feed.q")));
  EXPECT_FALSE(can_recover({0, ""}, f.read("plain")));
}

TEST(MemoryBroker, ConcurrentPublishersGiveEveryLoopTheSameOffsetOrder) {
  Fixture f;
  HubShard& s0 = f.hub.add_shard([] {});
  HubShard& s1 = f.hub.add_shard([] {});
  Sink a, b;
  s0.subscribe(a, "feed.race");
  s1.subscribe(b, "feed.race");
  constexpr int kCount = 2000;
  std::thread t0([&] {
    for (int i = 0; i < kCount; ++i) f.hub.publish(make("feed.race", "x"), 0);
  });
  std::thread t1([&] {
    for (int i = 0; i < kCount; ++i) f.hub.publish(make("feed.race", "y"), 1);
  });
  t0.join();
  t1.join();
  s0.drain_inbox();
  s1.drain_inbox();
  ASSERT_EQ(a.offsets.size(), 2u * kCount);
  ASSERT_EQ(b.offsets, a.offsets);
  for (size_t i = 0; i < a.offsets.size(); ++i) EXPECT_EQ(a.offsets[i], i + 1);
}

}  // namespace sb::hub

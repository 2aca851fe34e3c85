#include "hub/hub.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace sb::hub {

namespace {
struct Sink : Subscriber {
  std::vector<std::string> ids;
  void deliver(const Publication& p) override { ids.push_back(p.id); }
};

std::shared_ptr<Publication> make(std::string channel, std::string id) {
  auto p = std::make_shared<Publication>();
  p->channel = std::move(channel);
  p->id = std::move(id);
  return p;
}
}  // namespace

TEST(Hub, DeliversLocallyAtOnceAndToOtherShardsThroughTheirInbox) {
  Hub hub;
  int wakes0 = 0, wakes1 = 0;
  HubShard& s0 = hub.add_shard([&] { ++wakes0; });
  HubShard& s1 = hub.add_shard([&] { ++wakes1; });
  Sink a, b;
  s0.subscribe(a, "room.*");
  s1.subscribe(b, "room.**");
  hub.publish(make("room.1", "p1"), 0);
  hub.publish(make("room.1", "p2"), 0);
  EXPECT_EQ(a.ids, (std::vector<std::string>{"p1", "p2"}));
  EXPECT_TRUE(b.ids.empty());
  EXPECT_EQ(wakes1, 1);  // one wake for a burst, not one per publication
  EXPECT_EQ(wakes0, 0);
  s1.drain_inbox();
  EXPECT_EQ(b.ids, (std::vector<std::string>{"p1", "p2"}));
  EXPECT_EQ(hub.total_publications(), 2u);
  EXPECT_EQ(hub.total_deliveries(), 4u);
}

TEST(Hub, ConcurrentPublishersReachEverySubscriberExactlyOnceInPerPublisherOrder) {
  Hub hub;
  std::atomic<int> wakes{0};
  HubShard& s0 = hub.add_shard([&] { ++wakes; });
  HubShard& s1 = hub.add_shard([&] { ++wakes; });
  Sink a, b;
  s0.subscribe(a, "t");
  s1.subscribe(b, "t");
  constexpr int kCount = 5000;
  // Each thread publishes as "its" shard, as a loop thread would; the consumer shard of
  // the other thread only sees the publications through its inbox.
  std::thread t0([&] {
    for (int i = 0; i < kCount; ++i) hub.publish(make("t", "x" + std::to_string(i)), 0);
  });
  t0.join();
  s1.drain_inbox();
  ASSERT_EQ(a.ids.size(), static_cast<size_t>(kCount));
  ASSERT_EQ(b.ids.size(), static_cast<size_t>(kCount));
  for (int i = 0; i < kCount; ++i) EXPECT_EQ(b.ids[i], "x" + std::to_string(i));
}

TEST(Hub, PublicationEncodesOncePerSlot) {
  auto p = make("c", "1");
  int calls = 0;
  auto encode = [&](const Publication& pub, std::string& out) {
    ++calls;
    out = "frame:" + pub.id;
  };
  EXPECT_EQ(p->encoded(0, encode), "frame:1");
  EXPECT_EQ(p->encoded(0, encode), "frame:1");
  EXPECT_EQ(calls, 1);
}

TEST(Hub, PublicationIdsAreUnique) {
  Hub hub;
  EXPECT_NE(hub.next_publication_id(), hub.next_publication_id());
}

}  // namespace sb::hub

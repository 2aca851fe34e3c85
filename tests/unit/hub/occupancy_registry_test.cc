#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "hub/channel_occupancy.h"
#include "hub/connection_registry.h"
#include "hub/rate_limiter.h"

namespace sb::hub {

TEST(ChannelOccupancy, EnforcesCapacityAndCountsMembers) {
  ChannelOccupancy o;
  o.set_capacity("support", 2);
  EXPECT_TRUE(o.try_join("support"));
  EXPECT_TRUE(o.try_join("support"));
  EXPECT_FALSE(o.try_join("support"));
  EXPECT_EQ(o.members("support"), 2u);
  o.leave("support");
  EXPECT_TRUE(o.try_join("support"));
  EXPECT_TRUE(o.try_join("lobby"));  // no capacity: unlimited
  o.leave("lobby");
  EXPECT_EQ(o.members("lobby"), 0u);
  EXPECT_EQ(o.snapshot().size(), 1u);
}

// Counts what a cluster store would, and answers each join with a count it is told.
class CountingCluster final : public OccupancyCluster {
 public:
  void joined(std::string_view channel, size_t origin, ClusterCheck::CountDone done) override {
    events.push_back("+" + std::string(channel) + "@" + std::to_string(origin));
    if (done) done(answer);
  }
  void left(std::string_view channel) override { events.push_back("-" + std::string(channel)); }
  std::vector<std::string> events;
  uint32_t answer = 0;
};

TEST(ChannelOccupancy, ReportsOnlyRoomsWithACapacityToTheCluster) {
  ChannelOccupancy o;
  CountingCluster cluster;
  o.set_capacity("support", 2);
  o.set_cluster(&cluster);
  EXPECT_TRUE(o.checks_cluster("support"));
  EXPECT_FALSE(o.checks_cluster("lobby"));
  uint32_t heard = 0;
  cluster.answer = 3;
  EXPECT_TRUE(o.try_join("support", ClusterCheck{1, [&heard](uint32_t n) { heard = n; }}));
  EXPECT_EQ(heard, 3u);  // the caller compares it with capacity() and leaves
  o.leave("support");
  EXPECT_TRUE(o.try_join("lobby"));
  o.leave("lobby");
  // Full on this node alone: refused here, nothing reported.
  EXPECT_TRUE(o.try_join("support"));
  EXPECT_TRUE(o.try_join("support"));
  EXPECT_FALSE(o.try_join("support", ClusterCheck{0, [&heard](uint32_t) { heard = 99; }}));
  EXPECT_EQ(heard, 3u);
  std::vector<std::string> expected = {"+support@1", "-support", "+support@0", "+support@0"};
  EXPECT_EQ(cluster.events, expected);
  EXPECT_EQ(o.capacity("support"), 2u);
  EXPECT_EQ(o.capacity("lobby"), 0u);
}

TEST(ConnectionRegistry, CountsPerUserAndEnforcesTheLimit) {
  ConnectionRegistry r;
  std::vector<ConnectionInfo> alice(6);
  for (int i = 0; i < 6; ++i) alice[i] = {ConnectionId("c" + std::to_string(i)), "alice", "rooms", 0};
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(r.try_add(&alice[i], 5));
  EXPECT_FALSE(r.try_add(&alice[5], 5));
  ConnectionInfo anon{ConnectionId("anon"), "", "rooms", 0};
  EXPECT_TRUE(r.try_add(&anon, 5));
  EXPECT_EQ(r.of_user("alice").size(), 5u);
  EXPECT_EQ(r.connection_count(), 6u);
  EXPECT_EQ(r.user_count(), 1u);
  r.remove(&alice[0]);
  EXPECT_TRUE(r.try_add(&alice[5], 5));
  EXPECT_FALSE(r.set_user(&anon, "alice", 5));
  EXPECT_EQ(anon.user_id, "");
  EXPECT_TRUE(r.set_user(&anon, "bob", 5));
  EXPECT_EQ(r.of_user("bob").size(), 1u);
  EXPECT_EQ(r.user_count(), 2u);
}

TEST(ConnectionRegistry, KeepsEachUsersConnectionsThroughRemovalsAnywhereInTheirList) {
  ConnectionRegistry r;
  std::vector<ConnectionInfo> infos(40);
  std::vector<std::string> users = {"ann", "ben", "cy"};
  for (size_t i = 0; i < infos.size(); ++i) {
    infos[i] = {ConnectionId("c" + std::to_string(i)), users[i % users.size()], "topics", i};
    ASSERT_TRUE(r.try_add(&infos[i], 0));
  }
  auto ids = [&r](std::string_view user) {
    std::vector<std::string> out;
    for (const auto& info : r.of_user(user)) out.push_back(info.connection_id.str());
    return out;
  };
  // Oldest, newest and middle connections of ann leave; the others stay, oldest first.
  r.remove(&infos[0]);
  r.remove(&infos[39]);
  r.remove(&infos[18]);
  std::vector<std::string> expected;
  for (size_t i = 3; i < 39; i += 3) {
    if (i != 18) expected.push_back("c" + std::to_string(i));
  }
  EXPECT_EQ(ids("ann"), expected);
  EXPECT_EQ(ids("ben").size(), 13u);
  // A connection moving to another user leaves the first user's list.
  ASSERT_TRUE(r.set_user(&infos[1], "ann", 0));
  EXPECT_EQ(ids("ben").size(), 12u);
  EXPECT_EQ(ids("ann").back(), "c1");
  for (size_t i = 0; i < infos.size(); ++i) {
    if (i != 0 && i != 39 && i != 18) r.remove(&infos[i]);
  }
  EXPECT_EQ(r.user_count(), 0u);
  EXPECT_EQ(r.connection_count(), 0u);
  EXPECT_TRUE(ids("ann").empty());
}

TEST(RateLimiter, AllowsTheBudgetThenSaysWhenToRetryAndRefills) {
  RateLimiter limiter(3, 1000);
  uint64_t retry = 0;
  uint64_t t = 10'000;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.try_take(t, retry));
  EXPECT_FALSE(limiter.try_take(t, retry));
  EXPECT_GT(retry, 0u);
  EXPECT_LE(retry, 334u);  // one token comes back every 333 ms
  EXPECT_FALSE(limiter.try_take(t + retry - 1, retry));
  EXPECT_TRUE(limiter.try_take(t + 400, retry));
  RateLimiter unlimited;
  EXPECT_TRUE(unlimited.try_take(t, retry));
}

// The limiter keeps the low 32 bits of the clock: a refill across the wrap still counts
// the real elapsed time, neither nothing nor 49 days.
TEST(RateLimiter, RefillsAcrossTheWrapOfItsClock) {
  RateLimiter limiter(2, 1000);
  uint64_t retry = 0;
  uint64_t t = (1ULL << 32) - 100;  // 100 ms before the low 32 bits wrap
  EXPECT_TRUE(limiter.try_take(t, retry));
  EXPECT_TRUE(limiter.try_take(t, retry));
  EXPECT_FALSE(limiter.try_take(t + 200, retry));  // 200 ms bring back 0.4 of a token
  EXPECT_TRUE(limiter.try_take(t + 600, retry));   // 600 ms bring back 1.2
  EXPECT_FALSE(limiter.try_take(t + 600, retry));
  EXPECT_LE(retry, 400u);
}

TEST(RateLimiter, TakesAHugeCapacityAsItsCeiling) {
  RateLimiter limiter(4'294'967'295U, 1000);
  uint64_t retry = 0;
  for (uint32_t i = 0; i < 1000; ++i) ASSERT_TRUE(limiter.try_take(5'000, retry));
  EXPECT_TRUE(limiter.is_full(6'000));
  EXPECT_EQ(limiter.wait_ms(6'000), 0u);
}

}  // namespace sb::hub

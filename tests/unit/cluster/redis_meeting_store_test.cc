// The meeting store's contract, held by both implementations: memory (one node) and Redis
// (a cluster, against a real redis-server), and what only a shared store can show: a user
// with connections through two nodes joins and leaves once.
#include <gtest/gtest.h>

#include <memory>

#include "cluster/redis_client.h"
#include "cluster/redis_meeting_store.h"
#include "store/memory_meeting_store.h"
#include "../support/redis_server.h"

namespace sb::cluster {
namespace {

using store::MeetingStore;

class MeetingStoreContract : public testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "memory") {
      store_ = std::make_unique<store::MemoryMeetingStore>();
      return;
    }
    redis_ = std::make_unique<test_support::RedisServer>();
    ASSERT_TRUE(redis_->ok()) << "cannot start redis-server";
    store_ = node("0000000a");
  }
  // The store as a node with this id sees it (Redis only).
  std::unique_ptr<MeetingStore> node(const std::string& id) {
    RedisEndpoint endpoint;
    endpoint.port = redis_->port();
    return std::make_unique<RedisMeetingStore>(
        std::vector<std::shared_ptr<RedisClient>>{std::make_shared<RedisClient>(endpoint)}, "sbtest:", id);
  }
  MeetingStore& store() { return *store_; }
  std::unique_ptr<test_support::RedisServer> redis_;
  std::unique_ptr<MeetingStore> store_;
};

TEST_P(MeetingStoreContract, AUserJoinsWithTheirFirstConnectionAndLeavesWithTheirLast) {
  auto a1 = store().join("m1", "alice", "Alice");
  EXPECT_TRUE(a1.ok);
  EXPECT_TRUE(a1.first);
  EXPECT_EQ(a1.total, 1u);
  auto a2 = store().join("m1", "alice", "Alice (tab 2)");
  EXPECT_FALSE(a2.first);
  EXPECT_EQ(a2.total, 1u);
  auto b = store().join("m1", "bob", "Bob");
  EXPECT_TRUE(b.first);
  EXPECT_EQ(b.total, 2u);
  EXPECT_EQ(store().join("m2", "alice", "Alice").total, 1u) << "meetings are separate";

  auto l1 = store().leave("m1", "alice");
  EXPECT_TRUE(l1.known);
  EXPECT_FALSE(l1.last);
  EXPECT_EQ(l1.total, 2u);
  auto l2 = store().leave("m1", "alice");
  EXPECT_TRUE(l2.last);
  EXPECT_EQ(l2.total, 1u);
  EXPECT_EQ(l2.name, "Alice") << "the name the user joined with";
  EXPECT_FALSE(store().leave("m1", "alice").known) << "a leave too many changes nothing";
  EXPECT_FALSE(store().leave("nowhere", "alice").known);
  EXPECT_EQ(store().leave("m1", "bob").total, 0u);
}

TEST_P(MeetingStoreContract, TheAgendaIsKeptForLatecomersWhileTheMeetingLasts) {
  EXPECT_EQ(store().set_agenda("m1", R"({"meetingId":"m1","item":0})"), 0u) << "no meeting, nothing kept";
  EXPECT_EQ(store().join("m1", "alice", "Alice").agenda, "");
  EXPECT_EQ(store().set_agenda("m1", R"({"meetingId":"m1","item":1})"), 1u);
  EXPECT_EQ(store().join("m1", "bob", "Bob").agenda, R"({"meetingId":"m1","item":1})");
  store().leave("m1", "alice");
  store().leave("m1", "bob");
  EXPECT_EQ(store().join("m1", "carol", "Carol").agenda, "") << "a meeting ends with its last participant";
}

INSTANTIATE_TEST_SUITE_P(Stores, MeetingStoreContract, testing::Values("memory", "redis"),
                         [](const testing::TestParamInfo<std::string>& kind) { return kind.param; });

TEST(RedisMeetingStore, AUserOnTwoNodesJoinsOnceAndLeavesOnce) {
  test_support::RedisServer redis;
  ASSERT_TRUE(redis.ok());
  RedisEndpoint endpoint;
  endpoint.port = redis.port();
  auto client = std::make_shared<RedisClient>(endpoint);
  RedisMeetingStore node_a({client}, "sbtest:", "0000000a");
  RedisMeetingStore node_b({client}, "sbtest:", "0000000b");
  EXPECT_TRUE(node_a.join("m", "alice", "Alice").first);
  EXPECT_FALSE(node_b.join("m", "alice", "Alice").first) << "her second tab, through another node";
  EXPECT_FALSE(node_a.leave("m", "bob").known);
  EXPECT_FALSE(node_b.leave("m", "alice").last);
  EXPECT_FALSE(node_b.leave("m", "alice").known) << "node B held one connection of hers";
  auto last = node_a.leave("m", "alice");
  EXPECT_TRUE(last.last);
  EXPECT_EQ(last.total, 0u);
}

}  // namespace
}  // namespace sb::cluster

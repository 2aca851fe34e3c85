// The notification store's contract, held by both implementations: SQLite (one node) and
// Redis (a cluster, against a real redis-server).
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <functional>
#include <memory>

#include "cluster/redis_client.h"
#include "cluster/redis_notification_store.h"
#include "store/sqlite_notification_store.h"
#include "../support/redis_server.h"

namespace sb::cluster {
namespace {

using store::NotificationStore;
using store::StoredNotification;

struct StoreUnderTest {
  std::unique_ptr<test_support::RedisServer> redis;  // Redis only
  std::unique_ptr<NotificationStore> store;
};

StoreUnderTest make_store(const std::string& kind) {
  StoreUnderTest t;
  std::string error;
  if (kind == "sqlite") {
    t.store = store::SqliteNotificationStore::open(":memory:", error);
    return t;
  }
  t.redis = std::make_unique<test_support::RedisServer>();
  if (!t.redis->ok()) return t;
  RedisEndpoint endpoint;
  endpoint.port = t.redis->port();
  t.store = std::make_unique<RedisNotificationStore>(
      std::vector<std::shared_ptr<RedisClient>>{std::make_shared<RedisClient>(endpoint)}, "sbtest:");
  return t;
}

class NotificationStoreContract : public testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    subject_ = make_store(GetParam());
    ASSERT_TRUE(subject_.store) << "cannot start the " << GetParam() << " store (is redis-server installed?)";
  }
  NotificationStore& store() { return *subject_.store; }
  StoreUnderTest subject_;
};

TEST_P(NotificationStoreContract, HandsOutUnreadOldestFirstAndCountsEachAcknowledgementOnce) {
  std::string error;
  ASSERT_TRUE(store().add({"n1", "alice", "NOTIFICATION", R"({"id":"n1"})", 10, 0}, error)) << error;
  ASSERT_TRUE(store().add({"n2", "alice", "notification.send", R"({"id":"n2"})", 20, 0}, error)) << error;
  ASSERT_TRUE(store().add({"n3", "bob", "NOTIFICATION", R"({"id":"n3"})", 30, 0}, error)) << error;
  auto alice = store().unread("alice", 100).value();
  ASSERT_EQ(alice.size(), 2u);
  EXPECT_EQ(alice[0].id, "n1");
  EXPECT_EQ(alice[0].user_id, "alice");
  EXPECT_EQ(alice[0].type, "NOTIFICATION");
  EXPECT_EQ(alice[0].payload, R"({"id":"n1"})");
  EXPECT_EQ(alice[0].created_at_ms, 10);
  EXPECT_EQ(alice[1].id, "n2");
  EXPECT_EQ(alice[1].type, "notification.send");
  // Two tabs acknowledge the same notification: one counts.
  EXPECT_EQ(store().mark_read("alice", "n1"), 1);
  EXPECT_EQ(store().mark_read("alice", "n1"), 0);
  EXPECT_EQ(store().mark_read("bob", "n2"), 0);  // not bob's
  ASSERT_EQ(store().unread("alice", 100).value().size(), 1u);
  EXPECT_EQ(store().mark_read("bob", ""), 1);
  EXPECT_TRUE(store().unread("bob", 100).value().empty());
  EXPECT_EQ(store().unread("alice", 100).value()[0].id, "n2");
}

TEST_P(NotificationStoreContract, DropsExpiredNotifications) {
  std::string error;
  ASSERT_TRUE(store().add({"soon", "alice", "notification.send", R"({"notificationId":"soon"})", 1, 1000}, error));
  ASSERT_TRUE(store().add({"never", "alice", "notification.send", R"({"notificationId":"never"})", 2, 0}, error));
  EXPECT_EQ(store().unread("alice", 999).value().size(), 2u);
  auto later = store().unread("alice", 1000).value();
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0].id, "never");
  EXPECT_EQ(store().mark_read("alice", "soon"), 0);  // deleted, not merely hidden
}

TEST_P(NotificationStoreContract, StoringAnIdAgainReplacesIt) {
  std::string error;
  ASSERT_TRUE(store().add({"n1", "alice", "NOTIFICATION", R"({"v":1})", 1, 0}, error));
  ASSERT_TRUE(store().add({"n1", "alice", "NOTIFICATION", R"({"v":2})", 2, 0}, error));
  auto unread = store().unread("alice", 100).value();
  ASSERT_EQ(unread.size(), 1u);
  EXPECT_EQ(unread[0].payload, R"({"v":2})");
}

TEST_P(NotificationStoreContract, UserIdsThatLookLikeKeyPartsStayApart) {
  std::string error;
  for (const char* user : {"alice", "o:alice", "x:alice", "r:alice"}) {
    ASSERT_TRUE(store().add({"n", user, "NOTIFICATION", std::string("{\"for\":\"") + user + "\"}", 1, 5000}, error))
        << user << ": " << error;
  }
  for (const char* user : {"alice", "o:alice", "x:alice", "r:alice"}) {
    auto unread = store().unread(user, 10).value();
    ASSERT_EQ(unread.size(), 1u) << user;
    EXPECT_EQ(unread[0].payload, std::string("{\"for\":\"") + user + "\"}");
  }
  EXPECT_EQ(store().mark_read("o:alice", ""), 1);
  EXPECT_EQ(store().unread("alice", 10).value().size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Stores, NotificationStoreContract, testing::Values("sqlite", "redis"),
                         [](const testing::TestParamInfo<std::string>& param) { return param.param; });

TEST(RedisNotificationStore, AnUnreachableRedisIsNotAnEmptyInbox) {
  auto redis = std::make_unique<test_support::RedisServer>();
  ASSERT_TRUE(redis->ok());
  RedisEndpoint endpoint;
  endpoint.port = redis->port();
  RedisNotificationStore notifications({std::make_shared<RedisClient>(endpoint)}, "sbtest:");
  std::string error;
  ASSERT_TRUE(notifications.add({"n", "alice", "NOTIFICATION", "{}", 1, 0}, error)) << error;
  redis.reset();  // gone: every call fails
  EXPECT_FALSE(notifications.unread("alice", 10).has_value());
  EXPECT_EQ(notifications.mark_read("alice", "n"), store::NotificationStore::kUnavailable);
  EXPECT_FALSE(notifications.add({"m", "alice", "NOTIFICATION", "{}", 2, 0}, error));
  EXPECT_FALSE(error.empty());
}

TEST(RedisNotificationStore, ShardsUsersOverInstancesAndSurvivesAReconnect) {
  test_support::RedisServer first, second;
  ASSERT_TRUE(first.ok() && second.ok());
  RedisEndpoint a, b;
  a.port = first.port();
  b.port = second.port();
  auto client_a = std::make_shared<RedisClient>(a);
  auto client_b = std::make_shared<RedisClient>(b);
  RedisNotificationStore notifications({client_a, client_b}, "sbtest:");
  std::string error;
  for (int i = 0; i < 20; ++i) {
    std::string user = "user" + std::to_string(i);
    ASSERT_TRUE(notifications.add({"n", user, "NOTIFICATION", "{}", 1, 0}, error)) << error;
  }
  // Both instances hold some users (a stable hash spreads 20 names over two).
  auto count_keys = [&](RedisClient& client) {
    OwnedReply reply = client.command({"KEYS", "sbtest:notif:r:user*"}, error);
    return reply ? reply->elements : 0;
  };
  EXPECT_GT(count_keys(*client_a), 0u);
  EXPECT_GT(count_keys(*client_b), 0u);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(notifications.unread("user" + std::to_string(i), 10).value().size(), 1u);
  // Redis drops the store's connection (as a restart would): the next call reconnects and
  // runs, without an error to its caller.
  OwnedReply killed = client_a->command({"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "no"}, error);
  ASSERT_TRUE(killed) << error;
  for (int i = 0; i < 20; ++i) {
    EXPECT_TRUE(notifications.add({"m", "user" + std::to_string(i), "NOTIFICATION", "{}", 2, 0}, error)) << error;
  }
}

TEST(RedisNotificationStore, RecordsRoundTripAndMalformedOnesAreRefused) {
  StoredNotification n{"id1", "u", "notification.send", R"({"x":"\u00e9"})", 123456789, 987654321};
  std::string record = RedisNotificationStore::encode(n);
  StoredNotification back;
  ASSERT_TRUE(RedisNotificationStore::decode(record, "id1", "u", back));
  EXPECT_EQ(back.type, n.type);
  EXPECT_EQ(back.payload, n.payload);
  EXPECT_EQ(back.created_at_ms, n.created_at_ms);
  EXPECT_EQ(back.expires_at_ms, n.expires_at_ms);
  EXPECT_FALSE(RedisNotificationStore::decode(record.substr(0, record.size() - 1), "id1", "u", back));
  EXPECT_FALSE(RedisNotificationStore::decode(record + "x", "id1", "u", back));
}

}  // namespace
}  // namespace sb::cluster

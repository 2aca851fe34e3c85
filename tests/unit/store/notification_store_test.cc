#include "store/notification_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>

namespace sb::store {

TEST(NotificationStore, KeepsUnreadUntilMarkedAndSurvivesReopening) {
  char path[] = "/tmp/sb-store-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  std::string error;
  {
    auto store = NotificationStore::open(path, error);
    ASSERT_TRUE(store) << error;
    ASSERT_TRUE(store->add({"n1", "alice", "NOTIFICATION", R"({"id":"n1","title":"A"})", 1}, error)) << error;
    ASSERT_TRUE(store->add({"n2", "alice", "NOTIFICATION", R"({"id":"n2","title":"B"})", 2}, error));
    ASSERT_TRUE(store->add({"n3", "bob", "NOTIFICATION", R"({"id":"n3"})", 3}, error));
    EXPECT_EQ(store->mark_read("alice", "n1"), 1);
    EXPECT_EQ(store->mark_read("bob", "n2"), 0);  // not bob's
  }
  auto reopened = NotificationStore::open(path, error);
  ASSERT_TRUE(reopened) << error;
  auto alice = reopened->unread("alice");
  ASSERT_EQ(alice.size(), 1u);
  EXPECT_EQ(alice[0].id, "n2");
  EXPECT_EQ(alice[0].payload, R"({"id":"n2","title":"B"})");
  EXPECT_EQ(reopened->mark_read("bob", ""), 1);
  EXPECT_TRUE(reopened->unread("bob").empty());
  reopened.reset();
  std::remove(path);
  std::remove((std::string(path) + "-wal").c_str());
  std::remove((std::string(path) + "-shm").c_str());
}

TEST(NotificationStore, ReportsAnUnopenablePath) {
  std::string error;
  EXPECT_EQ(NotificationStore::open("/nonexistent-dir/x.db", error), nullptr);
  EXPECT_FALSE(error.empty());
}

}  // namespace sb::store

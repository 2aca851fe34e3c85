#include "store/sqlite_notification_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>


#include "store/sqlite_helpers.h"
#include "../support/temp_database.h"

namespace sb::store {

TEST(NotificationStore, KeepsUnreadUntilMarkedAndSurvivesReopening) {
  test_support::TempDatabase db;
  const std::string& path = db.path();
  std::string error;
  {
    auto store = SqliteNotificationStore::open(path, error);
    ASSERT_TRUE(store) << error;
    ASSERT_TRUE(store->add({"n1", "alice", "NOTIFICATION", R"({"id":"n1","title":"A"})", 1, 0}, error)) << error;
    ASSERT_TRUE(store->add({"n2", "alice", "NOTIFICATION", R"({"id":"n2","title":"B"})", 2, 0}, error));
    ASSERT_TRUE(store->add({"n3", "bob", "NOTIFICATION", R"({"id":"n3"})", 3, 0}, error));
    EXPECT_EQ(store->mark_read("alice", "n1"), 1);
    EXPECT_EQ(store->mark_read("bob", "n2"), 0);  // not bob's
  }
  auto reopened = SqliteNotificationStore::open(path, error);
  ASSERT_TRUE(reopened) << error;
  auto alice = reopened->unread("alice", 100).value();
  ASSERT_EQ(alice.size(), 1u);
  EXPECT_EQ(alice[0].id, "n2");
  EXPECT_EQ(alice[0].payload, R"({"id":"n2","title":"B"})");
  EXPECT_EQ(reopened->mark_read("bob", ""), 1);
  EXPECT_TRUE(reopened->unread("bob", 100).value().empty());
  reopened.reset();
}

TEST(NotificationStore, DropsExpiredNotifications) {
  std::string error;
  auto store = SqliteNotificationStore::open(":memory:", error);
  ASSERT_TRUE(store) << error;
  ASSERT_TRUE(store->add({"soon", "alice", "notification.send", R"({"notificationId":"soon"})", 1, 1000}, error));
  ASSERT_TRUE(store->add({"never", "alice", "notification.send", R"({"notificationId":"never"})", 2, 0}, error));
  EXPECT_EQ(store->unread("alice", 999).value().size(), 2u);
  auto later = store->unread("alice", 1000).value();
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0].id, "never");
  EXPECT_EQ(store->mark_read("alice", "soon"), 0);  // deleted, not merely hidden
}

TEST(NotificationStore, UpgradesAStoreWrittenBeforeExpiry) {
  test_support::TempDatabase db;
  const std::string& path = db.path();
  std::string error;
  {
    // The table as earlier versions created it, with one unread notification.
    auto old = sqlite::open_database(path,
                                    "CREATE TABLE notifications (id TEXT NOT NULL, user_id TEXT NOT NULL,"
                                    " type TEXT NOT NULL, payload TEXT NOT NULL, created_at INTEGER NOT NULL,"
                                    " read_at INTEGER, PRIMARY KEY (user_id, id));"
                                    "INSERT INTO notifications VALUES ('old', 'alice', 'NOTIFICATION', '{}', 1, NULL);",
                                    error);
    ASSERT_NE(old, nullptr) << error;
    sqlite3_close(old);
  }
  auto store = SqliteNotificationStore::open(path, error);
  ASSERT_TRUE(store) << error;
  auto unread = store->unread("alice", 5).value();
  ASSERT_EQ(unread.size(), 1u);
  EXPECT_EQ(unread[0].expires_at_ms, 0);
  store.reset();
}

TEST(NotificationStore, ReportsAnUnopenablePath) {
  std::string error;
  EXPECT_EQ(SqliteNotificationStore::open("/nonexistent-dir/x.db", error), nullptr);
  EXPECT_FALSE(error.empty());
}

}  // namespace sb::store

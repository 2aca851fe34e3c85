#include "dialects/notification_fence.h"

#include <gtest/gtest.h>

namespace sb::dialects {
namespace {

// Publications are not copyable (their encoding cache): each is made where it is used.
std::shared_ptr<hub::Publication> live(std::string channel, std::string type, std::string data) {
  auto p = std::make_shared<hub::Publication>();
  p->channel = std::move(channel);
  p->event_type = std::move(type);
  p->data = std::move(data);
  return p;
}

store::StoredNotification stored(std::string id) {
  store::StoredNotification n;
  n.id = std::move(id);
  n.user_id = "ann";
  return n;
}

std::vector<std::string> ids(const std::vector<store::StoredNotification>& list) {
  std::vector<std::string> out;
  for (const auto& n : list) out.push_back(n.id);
  return out;
}

TEST(NotificationFence, WhatWentOutLiveWhileTheReadWasPendingIsLeftOutOfIt) {
  NotificationFence fence("ann");
  EXPECT_TRUE(fence.admit(*live("user:ann", "notification.send", R"({"notificationId":"n1"})")));
  EXPECT_TRUE(fence.admit(*live("user:ann", "NOTIFICATION", R"({"id":"n2"})")));
  std::vector<store::StoredNotification> unread = {stored("n0"), stored("n1"), stored("n2"), stored("n3")};
  fence.settle(unread, 1000);
  EXPECT_EQ(ids(unread), (std::vector<std::string>{"n0", "n3"}));
}

TEST(NotificationFence, LiveCopiesOfWhatTheReadHandedOutAreSkippedUntilTheFenceExpires) {
  NotificationFence fence("ann");
  std::vector<store::StoredNotification> unread = {stored("n1")};
  fence.settle(unread, 1000);
  EXPECT_FALSE(fence.admit(*live("user:ann", "notification.send", R"({"notificationId":"n1","id":"n1"})")));
  EXPECT_TRUE(fence.admit(*live("user:ann", "notification.send", R"({"notificationId":"n2"})")));
  EXPECT_FALSE(fence.expired(999));
  EXPECT_TRUE(fence.expired(1000));
}

TEST(NotificationFence, OnlyThisUsersNotificationsAreFenced) {
  NotificationFence fence("ann");
  std::vector<store::StoredNotification> unread = {stored("n1")};
  fence.settle(unread, 1000);
  const std::string data = R"({"notificationId":"n1"})";
  EXPECT_TRUE(fence.admit(*live("user:ann.b", "notification.send", data)));  // another user
  EXPECT_TRUE(fence.admit(*live("user:an", "notification.send", data)));
  EXPECT_TRUE(fence.admit(*live("matter:1", "notification.send", data)));   // not personal
  EXPECT_TRUE(fence.admit(*live("user:ann", "message", data)));             // not a notification
  EXPECT_TRUE(fence.admit(*live("user:ann", "notification.send", "not json")));
  EXPECT_FALSE(fence.admit(*live("user:ann", "Notification", data)));
}

}  // namespace
}  // namespace sb::dialects

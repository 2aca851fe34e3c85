#include "auth/channel_policy.h"

#include <gtest/gtest.h>

namespace sb::auth {

namespace {
Identity user(std::string id, std::vector<std::string> roles = {}, std::vector<std::string> permissions = {}) {
  Identity i;
  i.anonymous = false;
  i.user_id = std::move(id);
  i.roles = std::move(roles);
  i.permissions = std::move(permissions);
  return i;
}

ChannelPolicy policy() {
  AccessRule any;
  AccessRule admin;
  admin.role = "admin";
  AccessRule reader;
  reader.permission = "matter:read";
  AccessRule public_access;
  public_access.anonymous = true;
  std::vector<ChannelRule> rules = {
      {"notifications.user.{userId}", any, admin},
      {"matter:*", reader, reader},
      {"system.**", any, admin},
      {"public.**", public_access, any},
      {"team:{team}", any, any},
  };
  return ChannelPolicy(rules, AccessRule{}, AccessRule{}, RoleHierarchy({"viewer", "editor", "admin", "master"}));
}
}  // namespace

TEST(ChannelPolicy, OwnChannelsOnlyThroughPlaceholders) {
  auto p = policy();
  EXPECT_EQ(p.can_subscribe(user("alice"), "notifications.user.alice"), Decision::kAllow);
  EXPECT_EQ(p.can_subscribe(user("alice"), "notifications.user.bob"), Decision::kForbidden);
  EXPECT_EQ(p.can_subscribe(user("alice"), "notifications.user.*"), Decision::kForbidden);
  EXPECT_EQ(p.can_subscribe(user("alice"), "notifications.**"), Decision::kForbidden);
  EXPECT_EQ(p.can_publish(user("alice"), "notifications.user.alice"), Decision::kForbidden);
  EXPECT_EQ(p.can_publish(user("root", {"master"}), "system.restart"), Decision::kAllow);  // hierarchy
}

TEST(ChannelPolicy, PermissionsAndRoles) {
  auto p = policy();
  EXPECT_EQ(p.can_subscribe(user("a"), "matter:1"), Decision::kForbidden);
  EXPECT_EQ(p.can_subscribe(user("a", {}, {"matter:read"}), "matter:1"), Decision::kAllow);
  EXPECT_EQ(p.can_publish(user("a", {"editor"}), "system.x"), Decision::kForbidden);
  EXPECT_EQ(p.can_publish(user("a", {"admin"}), "system.x"), Decision::kAllow);
}

TEST(ChannelPolicy, WildcardsMayNotReachForbiddenChannels) {
  auto p = policy();
  EXPECT_EQ(p.can_subscribe(user("a"), "messages.**"), Decision::kAllow);
  EXPECT_EQ(p.can_subscribe(user("a"), "**"), Decision::kForbidden);  // would include matter:*
  EXPECT_EQ(p.can_subscribe(user("a", {}, {"matter:read"}), "matter:*"), Decision::kAllow);
}

TEST(ChannelPolicy, AnonymousOnlyWherePublic) {
  auto p = policy();
  Identity anonymous;
  EXPECT_EQ(p.can_subscribe(anonymous, "public.news"), Decision::kAllow);
  EXPECT_EQ(p.can_subscribe(anonymous, "messages.x"), Decision::kUnauthenticated);
  EXPECT_EQ(p.can_publish(anonymous, "public.news"), Decision::kUnauthenticated);
}

TEST(ChannelPolicy, TeamChannelsForMembersOnly) {
  auto p = policy();
  Identity member = user("m");
  member.teams = {"red", "blue"};
  EXPECT_EQ(p.can_subscribe(member, "team:red"), Decision::kAllow);
  EXPECT_EQ(p.can_subscribe(member, "team:blue"), Decision::kAllow);
  EXPECT_EQ(p.can_subscribe(member, "team:green"), Decision::kForbidden);
  EXPECT_EQ(p.can_subscribe(user("loner"), "team:red"), Decision::kForbidden);
}

TEST(RoleHierarchy, HigherRolesSatisfyLowerRequirements) {
  RoleHierarchy h({"viewer", "editor", "admin", "master"});
  EXPECT_TRUE(h.satisfies(user("a", {"admin"}), "editor"));
  EXPECT_FALSE(h.satisfies(user("a", {"viewer"}), "editor"));
  EXPECT_TRUE(h.satisfies(user("a", {"custom"}), "custom"));
  EXPECT_FALSE(h.satisfies(user("a", {"master"}), "custom"));
}

}  // namespace sb::auth

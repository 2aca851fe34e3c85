#include "auth/channel_policy.h"

#include <gtest/gtest.h>

#include "hub/topic.h"

namespace sb::auth {

namespace {
Identity user(std::string id, std::vector<std::string> roles = {}, std::vector<std::string> permissions = {}) {
  Identity i;
  i.anonymous = false;
  i.user_id = std::move(id);
  i.set_grants(std::move(roles), std::move(permissions));
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
      {"notifications.user.{userId}", any, admin, {}},
      {"matter:*", reader, reader, {100, 300}},
      {"system.**", any, admin, {}},
      {"public.**", public_access, any, {}},
      {"team:{team}", any, any, {5, 60}},
  };
  return ChannelPolicy(rules, AccessRule{}, AccessRule{}, RoleHierarchy({"viewer", "editor", "admin", "master"}));
}
}  // namespace

TEST(ChannelPolicy, RetentionComesFromTheFirstRuleNamingTheChannel) {
  auto p = policy();
  EXPECT_EQ(p.retention("matter:1").size, 100u);
  EXPECT_EQ(p.retention("matter:1").ttl_s, 300u);
  EXPECT_EQ(p.retention("team:blue").size, 5u);  // placeholders stand for any value here
  EXPECT_FALSE(p.retention("system.x").keeps_history());
  EXPECT_FALSE(p.retention("elsewhere").keeps_history());
  EXPECT_FALSE(p.retention("matter:*").keeps_history());  // a pattern is no stream
}

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
  member.rare().teams = {"red", "blue"};
  EXPECT_EQ(p.can_subscribe(member, "team:red"), Decision::kAllow);
  EXPECT_EQ(p.can_subscribe(member, "team:blue"), Decision::kAllow);
  EXPECT_EQ(p.can_subscribe(member, "team:green"), Decision::kForbidden);
  EXPECT_EQ(p.can_subscribe(user("loner"), "team:red"), Decision::kForbidden);
}

// D1: ids holding separators, wildcards or other bytes are compared whole, never read as
// pattern syntax, and no one else reaches their own channels.
TEST(ChannelPolicy, OwnChannelsWhateverBytesTheIdHolds) {
  auto p = policy();
  for (std::string id : {"alice@example.com", "a.b", "a:b", "a.b:c.d", "$x", "ünïcödé", "x.**", "*", "**", "a b"}) {
    Identity owner = user(id);
    std::string own = "notifications.user." + id;
    bool nameable = hub::is_valid_channel(own);
    EXPECT_EQ(p.can_subscribe(owner, own), nameable ? Decision::kAllow : Decision::kForbidden) << id;
    EXPECT_EQ(p.can_subscribe(owner, "user:" + id), hub::is_valid_channel("user:" + id) ? Decision::kAllow
                                                                                       : Decision::kForbidden)
        << id;
    // Nobody else, by name or by pattern.
    for (std::string other : {"alice", "a", "mallory", "alice@example", "x", "a.b:c"}) {
      if (other == id) continue;
      Identity attacker = user(other);
      EXPECT_EQ(p.can_subscribe(attacker, own), Decision::kForbidden) << other << " -> " << own;
      EXPECT_EQ(p.can_subscribe(attacker, "user:" + id), Decision::kForbidden) << other << " -> user:" << id;
      EXPECT_EQ(p.can_publish(attacker, "user:" + id), Decision::kForbidden) << other;
    }
  }
  Identity alice = user("alice");
  for (const char* pattern : {"user:*", "user:*.**", "user:**", "notifications.user.*.**", "notifications.user.**",
                              "notifications.user.alice.*", "notifications.**", "*.user.*", "*:*", "*:*.*"}) {
    EXPECT_EQ(p.can_subscribe(alice, pattern), Decision::kForbidden) << pattern;
  }
  // The owner of "alice.smith" gets their channel; "alice" does not get it through a pattern.
  EXPECT_EQ(p.can_subscribe(user("alice.smith"), "notifications.user.alice.smith"), Decision::kAllow);
  EXPECT_EQ(p.can_subscribe(alice, "notifications.user.alice.smith"), Decision::kForbidden);
}

// D3: reserved channels and other users' personal channels, whatever the configuration.
TEST(ChannelPolicy, ReservedAndPersonalChannelsEvenWithAnOpenConfiguration) {
  AccessRule anyone;
  anyone.anonymous = true;
  ChannelPolicy open({}, anyone, anyone, RoleHierarchy({"viewer", "admin"}));
  Identity viewer = user("v", {"viewer"});
  for (const char* name : {"$all", "$authenticated", "$role:admin", "user:bob", "user:bob.x"}) {
    EXPECT_NE(open.can_subscribe(viewer, name), Decision::kAllow) << name;
    EXPECT_NE(open.can_publish(viewer, name), Decision::kAllow) << name;
  }
  EXPECT_NE(open.can_subscribe(viewer, "**"), Decision::kAllow);    // could reach user:bob
  EXPECT_NE(open.can_subscribe(viewer, "*:*"), Decision::kAllow);
  EXPECT_EQ(open.can_subscribe(viewer, "user:v"), Decision::kAllow);
  EXPECT_EQ(open.can_publish(viewer, "user:v"), Decision::kForbidden);  // personal channels are the server's
  EXPECT_EQ(open.can_subscribe(viewer, "news.**"), Decision::kAllow);
  EXPECT_EQ(open.can_subscribe(viewer, "*.news"), Decision::kAllow);   // never matches "$x.news"
  Identity anonymous;
  EXPECT_NE(open.can_subscribe(anonymous, "user:"), Decision::kAllow);
}

TEST(ChannelPolicy, OwnSubtreesThroughPlaceholdersWithWildcards) {
  AccessRule any;
  ChannelPolicy p({{"tenant.{tenant}.**", any, any, {}}}, any, any, RoleHierarchy());
  Identity acme = user("u1");
  acme.rare().tenant = "acme.eu";
  EXPECT_EQ(p.can_subscribe(acme, "tenant.acme.eu.orders"), Decision::kAllow);
  EXPECT_EQ(p.can_subscribe(acme, "tenant.acme.eu.**"), Decision::kAllow);
  EXPECT_EQ(p.can_subscribe(acme, "tenant.acme.**"), Decision::kForbidden);  // would reach tenant "acme"
  EXPECT_EQ(p.can_subscribe(acme, "tenant.acme.orders"), Decision::kForbidden);
  EXPECT_EQ(p.can_subscribe(acme, "tenant.*.**"), Decision::kForbidden);
}

TEST(ChannelPolicy, PlaceholdersMustBeWholeSegments) {
  std::string error;
  EXPECT_TRUE(ChannelPolicy::validate_rule_pattern("user:{userId}", error));
  EXPECT_TRUE(ChannelPolicy::validate_rule_pattern("tenant.{tenant}.**", error));
  EXPECT_FALSE(ChannelPolicy::validate_rule_pattern("user-{userId}", error));
  EXPECT_FALSE(ChannelPolicy::validate_rule_pattern("user.{userid}", error));
  EXPECT_FALSE(ChannelPolicy::validate_rule_pattern("a..b", error));
}

TEST(ChannelPolicy, APatternIsDecidedByEveryRuleItReaches) {
  AccessRule anyone;
  anyone.anonymous = true;
  AccessRule members;
  ChannelPolicy p({{"public.**", anyone, members, {}}}, members, members, RoleHierarchy());
  Identity anonymous;
  // Covered whole by the public rule: the default (members only) does not apply.
  EXPECT_EQ(p.can_subscribe(anonymous, "public.*"), Decision::kAllow);
  EXPECT_EQ(p.can_subscribe(anonymous, "public.news.**"), Decision::kAllow);
  EXPECT_EQ(p.can_subscribe(anonymous, "*.news"), Decision::kUnauthenticated);  // "other.news" too
}

TEST(RoleHierarchy, HigherRolesSatisfyLowerRequirements) {
  RoleHierarchy h({"viewer", "editor", "admin", "master"});
  EXPECT_TRUE(h.satisfies(user("a", {"admin"}), "editor"));
  EXPECT_FALSE(h.satisfies(user("a", {"viewer"}), "editor"));
  EXPECT_TRUE(h.satisfies(user("a", {"custom"}), "custom"));
  EXPECT_FALSE(h.satisfies(user("a", {"master"}), "custom"));
}

}  // namespace sb::auth

#include "auth/session_resolver.h"

#include <gtest/gtest.h>

namespace sb::auth {

TEST(SessionResolver, ReadsCookieValues) {
  EXPECT_EQ(cookie_value("a=1; pm-session=abc123; b=2", "pm-session"), "abc123");
  EXPECT_EQ(cookie_value("pm-session=\"quoted\"", "pm-session"), "quoted");
  EXPECT_EQ(cookie_value("xpm-session=1", "pm-session"), "");
  EXPECT_EQ(cookie_value("", "pm-session"), "");
}

TEST(SessionResolver, BuildsIdentitiesFromBackendUsers) {
  Identity id;
  ASSERT_TRUE(SessionResolver::parse_user(R"({"user":{"id":42,"name":"Ann","roles":["admin"]}})", id));
  EXPECT_EQ(id.user_id, "42");
  EXPECT_EQ(id.name, "Ann");
  EXPECT_EQ(id.roles(), std::vector<std::string>{"admin"});
  EXPECT_FALSE(id.anonymous);
  ASSERT_TRUE(SessionResolver::parse_user(R"({"id":"u7","role":"editor"})", id));
  EXPECT_EQ(id.roles(), std::vector<std::string>{"editor"});
  EXPECT_FALSE(SessionResolver::parse_user(R"({"name":"no id"})", id));
  EXPECT_FALSE(SessionResolver::parse_user("garbage", id));
}

TEST(SessionResolver, AnUnreachableBackendIsUnavailableNotAnonymous) {
  SessionResolver resolver("http://127.0.0.1:9/session", "pm-session", 500, 1000);
  auto result = resolver.resolve("abc", 1);
  EXPECT_EQ(result.outcome, SessionResolver::Outcome::kUnavailable);
  EXPECT_FALSE(result.error.empty());
}

}  // namespace sb::auth

#include "api/login_limiter.h"

#include <gtest/gtest.h>

#include "api/json_body.h"

namespace sb::api {

TEST(LoginLimiter, LimitsEachAddressAndEachAccount) {
  LoginLimiter limiter(10);
  uint64_t retry = 0;
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(limiter.try_attempt("1.1.1.1", "a@x", 1000, retry));
  EXPECT_FALSE(limiter.try_attempt("1.1.1.1", "b@x", 1000, retry));  // the address is spent
  EXPECT_GT(retry, 0u);
  EXPECT_FALSE(limiter.try_attempt("2.2.2.2", "A@X", 1000, retry));  // the account too, whatever its case
  EXPECT_TRUE(limiter.try_attempt("2.2.2.2", "b@x", 1000, retry));   // nothing was charged by the refusal
  EXPECT_TRUE(limiter.try_attempt("1.1.1.1", "c@x", 1000 + 6000, retry));  // one back after 6 s
  LoginLimiter unlimited(0);
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(unlimited.try_attempt("1.1.1.1", "a@x", 1000, retry));
}

TEST(JsonBody, SaysWhatIsWrongWithABody) {
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  EXPECT_FALSE(parse_json_object(parser, R"({"a":1})", object).has_value());
  auto not_json = parse_json_object(parser, "{nope", object);
  ASSERT_TRUE(not_json);
  EXPECT_NE(not_json->body.find("not valid JSON"), std::string::npos);
  auto array = parse_json_object(parser, "[1]", object);
  ASSERT_TRUE(array);
  EXPECT_NE(array->body.find("must be a JSON object"), std::string::npos);
  std::string deep(3000, '[');
  deep += std::string(3000, ']');
  auto too_deep = parse_json_object(parser, deep, object);
  ASSERT_TRUE(too_deep);
  EXPECT_EQ(too_deep->status, 400);
  EXPECT_NE(too_deep->body.find("nested too deep"), std::string::npos);
}

}  // namespace sb::api

#include "json/json_writer.h"

#include <gtest/gtest.h>

namespace sb::json {

TEST(JsonWriter, EscapesControlCharactersQuotesAndBackslashes) {
  std::string out;
  append_string(out, std::string("a\"b\\c\n\x01", 7));
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\u0001\"");
}

TEST(JsonWriter, WritesOnlyValidUtf8) {
  std::string out;
  append_string(out, std::string("ok \xC3\xA9 \xF0\x9F\x98\x80 bad \xFF \xC3 \xED\xA0\x80 \xC0\xAF end"));
  EXPECT_EQ(out, "\"ok \xC3\xA9 \xF0\x9F\x98\x80 bad \xEF\xBF\xBD \xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD "
                 "\xEF\xBF\xBD\xEF\xBF\xBD end\"");
  EXPECT_TRUE(is_valid_utf8(out));
  EXPECT_TRUE(is_valid_utf8("plain \xC3\xA9"));
  EXPECT_FALSE(is_valid_utf8("\xFF"));
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));  // a surrogate
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // past U+10FFFF
}

TEST(JsonWriter, BuildsObjectsWithAllValueKinds) {
  std::string out;
  ObjectWriter(out).string("s", "x").number("n", -5).boolean("b", true).raw("r", "[1]").null("z").end();
  EXPECT_EQ(out, R"({"s":"x","n":-5,"b":true,"r":[1],"z":null})");
}

TEST(JsonWriter, FormatsIso8601WithMilliseconds) {
  EXPECT_EQ(iso8601(1762862400007ULL), "2025-11-11T12:00:00.007Z");
  EXPECT_EQ(iso8601(0), "1970-01-01T00:00:00.000Z");
}

}  // namespace sb::json

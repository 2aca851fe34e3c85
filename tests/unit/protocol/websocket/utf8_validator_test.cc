#include "protocol/websocket/utf8_validator.h"

#include <gtest/gtest.h>

#include <string>

namespace sb::protocol::websocket {

TEST(Utf8Validator, AcceptsValidText) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("hello, world and some more ascii"));
  EXPECT_TRUE(is_valid_utf8("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"));  // κόσμε
  EXPECT_TRUE(is_valid_utf8("\xf4\x8f\xbf\xbf"));                              // U+10FFFF
  EXPECT_TRUE(is_valid_utf8("\xef\xbf\xbf"));                                  // U+FFFF
}

TEST(Utf8Validator, RejectsOverlongsSurrogatesAndOutOfRange) {
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xe0\x80\xaf"));      // overlong 3-byte
  EXPECT_FALSE(is_valid_utf8("\xf0\x80\x80\xaf"));  // overlong 4-byte
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // U+D800 surrogate
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xff"));
  EXPECT_FALSE(is_valid_utf8("\x80"));              // lone continuation
  EXPECT_FALSE(is_valid_utf8("\xce"));              // truncated
}

TEST(Utf8Validator, ValidatesAcrossArbitrarySplitsAndFailsFast) {
  std::string text = "ascii \xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5 \xf0\x9f\x98\x80 end";
  for (size_t split = 0; split <= text.size(); ++split) {
    Utf8Validator v;
    ASSERT_TRUE(v.feed(reinterpret_cast<const uint8_t*>(text.data()), split));
    ASSERT_TRUE(v.feed(reinterpret_cast<const uint8_t*>(text.data()) + split, text.size() - split));
    EXPECT_TRUE(v.complete());
  }
  Utf8Validator v;
  const uint8_t first[] = {0xce};
  EXPECT_TRUE(v.feed(first, 1));
  EXPECT_FALSE(v.complete());
  const uint8_t bad[] = {0x41};
  EXPECT_FALSE(v.feed(bad, 1));  // the continuation byte is missing: fail at once
}

}  // namespace sb::protocol::websocket

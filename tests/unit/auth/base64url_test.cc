#include "auth/base64url.h"

#include <gtest/gtest.h>

namespace sb::auth {

TEST(Base64Url, RoundTripsEveryLengthAndUsesTheUrlAlphabet) {
  std::string bytes;
  for (int i = 0; i < 64; ++i) {
    bytes.push_back(static_cast<char>(i * 37 + 250));
    auto decoded = base64url_decode(base64url_encode(bytes));
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(*decoded, bytes);
  }
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
}

TEST(Base64Url, RejectsInvalidInput) {
  EXPECT_FALSE(base64url_decode("a").has_value());
  EXPECT_FALSE(base64url_decode("ab+c").has_value());
  EXPECT_FALSE(base64url_decode("ab c").has_value());
  // Canonical only: no padding, no set bits past the last byte.
  EXPECT_EQ(base64url_decode("QQ").value(), "A");
  EXPECT_FALSE(base64url_decode("QQ==").has_value());
  EXPECT_FALSE(base64url_decode("QR").has_value());   // same byte, a low bit set
  EXPECT_EQ(base64url_decode("QUI").value(), "AB");
  EXPECT_FALSE(base64url_decode("QUJ").has_value());
}

}  // namespace sb::auth

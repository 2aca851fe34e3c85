#include "auth/password.h"

#include <gtest/gtest.h>

namespace sb::auth {

TEST(Password, HashesAndVerifiesWithArgon2id) {
  std::string hash = hash_password("correct horse");
  ASSERT_EQ(hash.rfind("$argon2id$", 0), 0u);
  EXPECT_TRUE(verify_password(hash, "correct horse"));
  EXPECT_FALSE(verify_password(hash, "wrong"));
  EXPECT_FALSE(verify_password("not a hash", "correct horse"));
  EXPECT_FALSE(verify_password("", ""));
}

}  // namespace sb::auth

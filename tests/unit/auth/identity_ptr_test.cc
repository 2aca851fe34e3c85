#include "auth/identity_ptr.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "auth/identity.h"

namespace sb::auth {

TEST(IdentityPtr, SharesOneIdentityAndFreesItWithTheLastHolder) {
  auto made = make_identity();
  made->user_id = "ann";
  IdentityPtr first = made;  // mutable to const, one more holder
  IdentityPtr second = first;
  made.reset();
  EXPECT_EQ(first.get(), second.get());
  EXPECT_EQ(second->user_id, "ann");
  first = nullptr;
  EXPECT_EQ(second->user_id, "ann");  // still held (ASan reports a use after free otherwise)
  IdentityPtr third = std::move(second);
  EXPECT_FALSE(second);
  EXPECT_EQ(third->user_id, "ann");
  // The last holder going away frees the identity; LeakSanitizer reports it otherwise.
}

TEST(IdentityPtr, ACopiedIdentityStartsItsOwnCount) {
  auto original = make_identity();
  original->user_id = "bob";
  IdentityPtr held_original = original;
  // A copy of a shared identity is a new object: dropping it must not touch the original.
  {
    IdentityPtr copy = make_identity(*held_original);
    EXPECT_NE(copy.get(), held_original.get());
    EXPECT_EQ(copy->user_id, "bob");
  }
  original.reset();
  EXPECT_EQ(held_original->user_id, "bob");
}

TEST(IdentityPtr, CountsAcrossThreads) {
  auto made = make_identity();
  made->user_id = "carol";
  IdentityPtr shared = std::move(made);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([shared] {
      for (int i = 0; i < 10000; ++i) {
        IdentityPtr copy = shared;
        IdentityPtr moved = std::move(copy);
        ASSERT_EQ(moved->user_id, "carol");
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(shared->user_id, "carol");
}

TEST(IdentityPtr, IsOnePointerWide) {
  EXPECT_EQ(sizeof(IdentityPtr), sizeof(void*));
  EXPECT_TRUE(anonymous_identity()->anonymous);
  EXPECT_EQ(anonymous_identity(), anonymous_identity());
}

}  // namespace sb::auth

#include "hub/connection_limiter.h"

#include <gtest/gtest.h>

namespace sb::hub {

using Verdict = ConnectionLimiter::Verdict;

TEST(ConnectionLimiter, LimitsOpenConnectionsPerAddress) {
  ConnectionLimiter limiter(2, 0);
  EXPECT_EQ(limiter.try_acquire("a", 0), Verdict::kAccepted);
  EXPECT_EQ(limiter.try_acquire("a", 0), Verdict::kAccepted);
  EXPECT_EQ(limiter.try_acquire("a", 0), Verdict::kTooMany);
  EXPECT_EQ(limiter.try_acquire("b", 0), Verdict::kAccepted);
  limiter.release("a");
  EXPECT_EQ(limiter.try_acquire("a", 0), Verdict::kAccepted);
}

TEST(ConnectionLimiter, LimitsTheAcceptRateEvenWhenConnectionsCloseAtOnce) {
  ConnectionLimiter limiter(0, 5);
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(limiter.try_acquire("a", 1000), Verdict::kAccepted);
    limiter.release("a");  // connect and close: the rate is still remembered
  }
  EXPECT_EQ(limiter.try_acquire("a", 1000), Verdict::kTooFast);
  EXPECT_EQ(limiter.try_acquire("b", 1000), Verdict::kAccepted);
  EXPECT_EQ(limiter.try_acquire("a", 1200), Verdict::kAccepted);  // one back after 200 ms
  limiter.release("a");
  limiter.release("b");
  limiter.prune(1000000);  // idle and refilled: forgotten, and nothing breaks after
  EXPECT_EQ(limiter.try_acquire("a", 1000001), Verdict::kAccepted);
}

}  // namespace sb::hub

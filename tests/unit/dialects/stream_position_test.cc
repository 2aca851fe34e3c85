#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dialects/stream_position.h"

namespace sb::dialects {

namespace {
StreamState state(uint64_t offset, bool full) {
  StreamState s;
  s.keeps_history = true;
  s.position = {offset, "epoch-" + std::to_string(offset)};
  s.full = full;
  return s;
}
}  // namespace

TEST(TakeFull, TakesTheFullRoomsOutAndKeepsTheOthersWhole) {
  std::vector<std::string> names = {"kept.a", "full.b", "kept.c", "full.d"};
  std::vector<StreamState> states = {state(1, false), state(2, true), state(3, false), state(4, true)};
  std::vector<std::string> full = take_full(names, states);
  EXPECT_EQ(full, (std::vector<std::string>{"full.b", "full.d"}));
  ASSERT_EQ(names, (std::vector<std::string>{"kept.a", "kept.c"}));
  ASSERT_EQ(states.size(), 2u);
  // Those that stay where they were are not moved onto themselves (which would empty them).
  EXPECT_EQ(states[0].position.offset, 1u);
  EXPECT_EQ(states[0].position.epoch, "epoch-1");
  EXPECT_EQ(states[1].position.epoch, "epoch-3");
}

TEST(TakeFull, NothingFullChangesNothing) {
  std::vector<std::string> names = {"a", "b"};
  std::vector<StreamState> states = {state(7, false), state(8, false)};
  EXPECT_TRUE(take_full(names, states).empty());
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(states[1].position.epoch, "epoch-8");
}

}  // namespace sb::dialects

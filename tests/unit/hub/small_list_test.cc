#include "hub/small_list.h"

#include <gtest/gtest.h>

#include <vector>

namespace sb::hub {

namespace {
struct Item {
  int value;
  uint32_t tag;
};

std::vector<int> values(const SmallList<Item, 2>& list) {
  std::vector<int> out;
  for (const Item& item : list) out.push_back(item.value);
  return out;
}
}  // namespace

TEST(SmallList, KeepsTheFirstItemsInsideTheList) {
  SmallList<Item, 2> list;
  EXPECT_TRUE(list.empty());
  list.push_back({1, 0});
  list.push_back({2, 0});
  // Both items live in the list's own bytes: no heap array yet.
  const auto* self = reinterpret_cast<const char*>(&list);
  const auto* first = reinterpret_cast<const char*>(&list[0]);
  EXPECT_GE(first, self);
  EXPECT_LT(first, self + sizeof list);
  EXPECT_EQ(values(list), (std::vector<int>{1, 2}));
}

TEST(SmallList, MovesToTheHeapPastTheInlineItemsAndKeepsOrder) {
  SmallList<Item, 2> list;
  for (int i = 0; i < 9; ++i) list.push_back({i, static_cast<uint32_t>(i)});
  const auto* self = reinterpret_cast<const char*>(&list);
  const auto* first = reinterpret_cast<const char*>(&list[0]);
  EXPECT_TRUE(first < self || first >= self + sizeof list);
  EXPECT_EQ(list.size(), 9u);
  EXPECT_EQ(values(list), (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(list.back().tag, 8u);
}

TEST(SmallList, EmptyingTheListReturnsToInlineItems) {
  SmallList<Item, 2> list;
  for (int i = 0; i < 5; ++i) list.push_back({i, 0});
  while (!list.empty()) list.pop_back();
  // Items pushed after emptying live inline again (the heap array was freed; ASan would
  // report it leaked otherwise).
  list.push_back({7, 0});
  const auto* self = reinterpret_cast<const char*>(&list);
  const auto* first = reinterpret_cast<const char*>(&list[0]);
  EXPECT_GE(first, self);
  EXPECT_LT(first, self + sizeof list);
  EXPECT_EQ(values(list), (std::vector<int>{7}));
}

TEST(SmallList, ReplacesItemsInPlace) {
  SmallList<Item, 1> list;
  list.push_back({1, 0});
  list.push_back({2, 0});
  list.push_back({3, 0});
  list[0] = list.back();  // a swap-remove, as the trie does
  list.pop_back();
  EXPECT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].value, 3);
  EXPECT_EQ(list[1].value, 2);
}

}  // namespace sb::hub

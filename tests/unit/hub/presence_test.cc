#include "hub/presence.h"

#include <gtest/gtest.h>

namespace sb::hub {

TEST(PresenceTracker, JoinAndLeaveEventsFollowTheFirstAndLastConnection) {
  PresenceTracker p;
  p.set_patterns({"matter:*", "memo:**"});
  EXPECT_TRUE(p.tracks("matter:1"));
  EXPECT_TRUE(p.tracks("memo:thread:1"));
  EXPECT_FALSE(p.tracks("messages.x"));
  PresenceMember alice{"alice", "Alice", "", 0, 0, 0};
  EXPECT_TRUE(p.join("matter:1", alice, 10));   // first tab: joined
  EXPECT_FALSE(p.join("matter:1", alice, 20));  // second tab: no event
  auto members = p.members("matter:1");
  ASSERT_EQ(members.size(), 1u);
  EXPECT_EQ(members[0].connections, 2u);
  EXPECT_EQ(members[0].joined_at_ms, 10u);
  p.touch("matter:1", "alice", 30);
  EXPECT_EQ(p.members("matter:1")[0].last_seen_ms, 30u);
  EXPECT_FALSE(p.leave("matter:1", "alice", 40));  // one tab left
  EXPECT_TRUE(p.leave("matter:1", "alice", 50));   // the last one: left
  EXPECT_TRUE(p.members("matter:1").empty());
  EXPECT_FALSE(p.leave("matter:1", "alice", 60));  // unknown: nothing
}

}  // namespace sb::hub

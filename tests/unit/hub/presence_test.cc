#include "hub/presence.h"

#include <gtest/gtest.h>

namespace sb::hub {

TEST(PresenceTracker, JoinAndLeaveEventsFollowTheFirstAndLastConnection) {
  PresenceTracker p;
  p.set_patterns({"matter:*", "memo:**"});
  EXPECT_TRUE(p.tracks("matter:1"));
  EXPECT_TRUE(p.tracks("memo:thread:1"));
  EXPECT_FALSE(p.tracks("messages.x"));
  PresenceMember alice{"alice", "Alice", "", 0, 0, 0, {}, {}, 0};
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

TEST(PresenceTracker, StatusIsTheUsersInEveryChannelAndForgottenWithTheirLastLeave) {
  PresenceTracker p;
  p.set_patterns({"meeting:*"});
  EXPECT_FALSE(p.set_status("bob", "away", "", 5));  // present nowhere: nothing kept
  PresenceMember bob{"bob", "Bob", "", 0, 0, 0, {}, {}, 0};
  p.join("meeting:1", bob, 10);
  p.join("meeting:2", bob, 10);
  EXPECT_TRUE(p.members("meeting:1")[0].status.empty());
  EXPECT_TRUE(p.set_status("bob", "busy", R"({"type":"viewing"})", 20));
  for (const char* channel : {"meeting:1", "meeting:2"}) {
    auto members = p.members(channel);
    ASSERT_EQ(members.size(), 1u);
    EXPECT_EQ(members[0].status, "busy");
    EXPECT_EQ(members[0].activity, R"({"type":"viewing"})");
    EXPECT_EQ(members[0].last_seen_ms, 20u);
  }
  p.leave("meeting:1", "bob", 30);
  EXPECT_EQ(p.members("meeting:2")[0].status, "busy");  // still present in meeting:2
  p.leave("meeting:2", "bob", 40);
  p.join("meeting:1", bob, 50);
  EXPECT_TRUE(p.members("meeting:1")[0].status.empty());  // forgotten when he left everything
}

}  // namespace sb::hub

namespace sb::hub {

// A cluster store that records what the node reports and answers as told.
class RecordingCluster final : public PresenceCluster {
 public:
  void update(const std::string& channel, const PresenceMember& member, size_t, ChangeDone done) override {
    reports.push_back({channel, member});
    if (done) done(next);
  }
  void members(std::string_view, size_t, MembersDone done) override { done(listed); }
  struct Report {
    std::string channel;
    PresenceMember member;
  };
  std::vector<Report> reports;
  Change next = Change::kNone;
  std::vector<PresenceMember> listed;
};

TEST(PresenceTracker, WithAClusterTheClusterDecidesEventsAndListsAndHearsEveryChange) {
  PresenceTracker p;
  p.set_patterns({"matter:*"});
  RecordingCluster cluster;
  p.set_cluster(&cluster);
  PresenceMember alice{"alice", "Alice", "", 0, 0, 0, {}, {}, 0};
  bool joined = true;
  cluster.next = PresenceCluster::Change::kNone;  // present on another node already
  p.join("matter:1", alice, 10, 0, [&](bool j) { joined = j; });
  EXPECT_FALSE(joined);
  cluster.next = PresenceCluster::Change::kJoined;
  p.join("matter:1", alice, 20, 0, [&](bool j) { joined = j; });
  EXPECT_TRUE(joined);
  ASSERT_EQ(cluster.reports.size(), 2u);
  EXPECT_EQ(cluster.reports[1].member.connections, 2u);  // this node's count
  p.set_status("alice", "away", "", 30);
  ASSERT_EQ(cluster.reports.size(), 3u);
  EXPECT_EQ(cluster.reports[2].member.status, "away");
  EXPECT_EQ(cluster.reports[2].member.status_ms, 30u);
  bool left = false;
  cluster.next = PresenceCluster::Change::kNone;
  p.leave("matter:1", "alice", 40, 0, [&](bool l) { left = l; });
  EXPECT_FALSE(left);
  cluster.next = PresenceCluster::Change::kLeft;
  p.leave("matter:1", "alice", 50, 0, [&](bool l) { left = l; });
  EXPECT_TRUE(left);
  EXPECT_EQ(cluster.reports.back().member.connections, 0u);  // gone from this node
  cluster.listed = {PresenceMember{"zed", "", "", 1, 0, 0, {}, {}, 0}};
  std::vector<PresenceMember> seen;
  p.members("matter:1", 0, [&](std::vector<PresenceMember> m) { seen = std::move(m); });
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].user_id, "zed");
}

// A status change reports the user's own channels only: it used to scan every presence
// channel of the node, so one user's status updates cost as much as the node held.
TEST(PresenceTracker, AStatusChangeReportsTheUsersChannelsOnly) {
  PresenceTracker p;
  p.set_patterns({"matter:*"});
  RecordingCluster cluster;
  p.set_cluster(&cluster);
  PresenceMember bob{"bob", "", "", 0, 0, 0, {}, {}, 0};
  PresenceMember alice{"alice", "", "", 0, 0, 0, {}, {}, 0};
  for (int i = 0; i < 1000; ++i) p.join("matter:" + std::to_string(i), bob, 1, 0, [](bool) {});
  p.join("matter:7", alice, 1, 0, [](bool) {});
  p.join("matter:9", alice, 1, 0, [](bool) {});
  for (int i = 0; i < 500; ++i) p.leave("matter:" + std::to_string(i * 2), "bob", 2, 0, [](bool) {});
  cluster.reports.clear();
  p.set_status("alice", "busy", "", 3);
  ASSERT_EQ(cluster.reports.size(), 2u);
  EXPECT_EQ(cluster.reports[0].channel, "matter:7");
  EXPECT_EQ(cluster.reports[1].channel, "matter:9");
  cluster.reports.clear();
  p.set_status("bob", "away", "", 4);
  EXPECT_EQ(cluster.reports.size(), 500u);  // the odd ones he is still in
  p.leave("matter:7", "alice", 5, 0, [](bool) {});
  cluster.reports.clear();
  p.set_status("alice", "away", "", 6);
  ASSERT_EQ(cluster.reports.size(), 1u);
  EXPECT_EQ(cluster.reports[0].channel, "matter:9");
}

}  // namespace sb::hub

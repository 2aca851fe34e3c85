#include "store/sqlite_decision_store.h"

#include <gtest/gtest.h>
#include "../support/decision_sample.h"
#include "../support/temp_database.h"


namespace sb::store {

using test_support::sample_decision;

TEST(SqliteDecisionStore, KeepsDecisionsVotesAndResultsAcrossReopening) {
  test_support::TempDatabase db;
  const std::string& path = db.path();
  std::string error;
  {
    auto store = SqliteDecisionStore::open(path, error);
    ASSERT_TRUE(store) << error;
    EXPECT_EQ(store->create(sample_decision("d1", 5000), error), DecisionStore::CreateResult::kCreated) << error;
    EXPECT_EQ(store->create(sample_decision("d1", 5000), error), DecisionStore::CreateResult::kExists);
    EXPECT_EQ(store->create(sample_decision("d2", 6000), error), DecisionStore::CreateResult::kCreated);
    auto vote = [&](const char* id, StoredVote v) {
      return store->record_vote(id, v, nullptr, error) == DecisionStore::VoteResult::kRecorded;
    };
    ASSERT_TRUE(vote("d1", {"alice", VoteChoice::kApprove, "v1", "yes", 10})) << error;
    ASSERT_TRUE(vote("d1", {"bob", VoteChoice::kReject, "v2", "", 11}));
    // A changed vote replaces the earlier one.
    ASSERT_TRUE(vote("d1", {"bob", VoteChoice::kAbstain, "v2", "changed", 12}));
    ASSERT_TRUE(vote("d2", {"alice", VoteChoice::kReject, "v3", "", 13}));
    ASSERT_EQ(store->close("d2", "rejected", 100, 0, error), DecisionStore::CloseResult::kClosed);
  }
  auto store = SqliteDecisionStore::open(path, error);
  ASSERT_TRUE(store) << error;
  auto d1 = store->find("d1", error);
  ASSERT_TRUE(d1);
  EXPECT_EQ(d1->meeting_id, "m1");
  EXPECT_EQ(d1->required, 3u);
  EXPECT_EQ(d1->deadline_ms, 5000);
  EXPECT_TRUE(d1->has_eligible);
  EXPECT_EQ(d1->eligible_users.size(), 2u);
  EXPECT_EQ(d1->eligible_role, "admin");
  EXPECT_FALSE(d1->closed);
  ASSERT_EQ(d1->votes.size(), 2u);
  EXPECT_EQ(d1->votes[1].user_id, "bob");
  EXPECT_EQ(d1->votes[1].choice, VoteChoice::kAbstain);
  EXPECT_EQ(d1->votes[1].comment, "changed");
  EXPECT_FALSE(store->find("nope", error));

  // Open ones always; closed ones only when they closed recently enough.
  EXPECT_EQ(store->load(0).size(), 2u);
  auto recent = store->load(101);
  ASSERT_EQ(recent.size(), 1u);
  EXPECT_EQ(recent[0].id, "d1");
  auto d2 = store->find("d2", error);
  ASSERT_TRUE(d2);
  EXPECT_TRUE(d2->closed);
  EXPECT_EQ(d2->result, "rejected");
  EXPECT_EQ(d2->completed_at_ms, 100);
  store.reset();
}

TEST(VoteChoice, ParsesOnlyTheThreeChoices) {
  VoteChoice c;
  EXPECT_TRUE(parse_vote_choice("approve", c));
  EXPECT_EQ(c, VoteChoice::kApprove);
  EXPECT_TRUE(parse_vote_choice("abstain", c));
  EXPECT_EQ(to_string(c), "abstain");
  EXPECT_FALSE(parse_vote_choice("Approve", c));
  EXPECT_FALSE(parse_vote_choice("maybe", c));
  EXPECT_FALSE(parse_vote_choice("", c));
}

}  // namespace sb::store

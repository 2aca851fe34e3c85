// The decision store's contract, held by both implementations: SQLite (one node) and Redis
// (shared by a cluster, against a real redis-server).
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <memory>

#include "cluster/redis_client.h"
#include "cluster/redis_decision_store.h"
#include "store/sqlite_decision_store.h"
#include "../support/decision_sample.h"
#include "../support/redis_server.h"

namespace sb::cluster {
namespace {

using store::DecisionStore;
using store::StoredDecision;
using store::StoredVote;
using store::VoteChoice;

using test_support::sample_decision;

class DecisionStoreContract : public testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string error;
    if (GetParam() == "sqlite") {
      store_ = store::SqliteDecisionStore::open(":memory:", error);
    } else {
      redis_ = std::make_unique<test_support::RedisServer>();
      ASSERT_TRUE(redis_->ok()) << "cannot start redis-server (is it installed?)";
      RedisEndpoint endpoint;
      endpoint.port = redis_->port();
      store_ = std::make_unique<RedisDecisionStore>(
          std::vector<std::shared_ptr<RedisClient>>{std::make_shared<RedisClient>(endpoint)}, "sbtest:");
    }
    ASSERT_TRUE(store_) << error;
  }
  DecisionStore::VoteResult vote(const char* id, StoredVote v, StoredDecision* after = nullptr) {
    std::string error;
    auto result = store_->record_vote(id, v, after, error);
    last_vote_id_ = v.vote_id;
    return result;
  }
  std::unique_ptr<test_support::RedisServer> redis_;
  std::unique_ptr<DecisionStore> store_;
  std::string last_vote_id_;
};

TEST_P(DecisionStoreContract, KeepsDecisionsVotesAndResults) {
  std::string error;
  EXPECT_EQ(store_->create(sample_decision("d1", 5000), error), DecisionStore::CreateResult::kCreated) << error;
  EXPECT_EQ(store_->create(sample_decision("d1", 5000), error), DecisionStore::CreateResult::kExists);
  EXPECT_EQ(store_->create(sample_decision("d2", 6000), error), DecisionStore::CreateResult::kCreated);
  EXPECT_EQ(vote("d1", {"alice", VoteChoice::kApprove, "v1", "yes", 10}), DecisionStore::VoteResult::kRecorded);
  EXPECT_EQ(vote("d1", {"bob", VoteChoice::kReject, "v2", "", 11}), DecisionStore::VoteResult::kRecorded);
  // A changed vote replaces the earlier one and keeps its id.
  StoredDecision after;
  EXPECT_EQ(vote("d1", {"bob", VoteChoice::kAbstain, "v9", "changed", 12}, &after),
            DecisionStore::VoteResult::kRecorded);
  EXPECT_EQ(last_vote_id_, "v2");
  ASSERT_EQ(after.votes.size(), 2u);
  EXPECT_EQ(after.votes[1].user_id, "bob");
  EXPECT_EQ(after.votes[1].choice, VoteChoice::kAbstain);
  EXPECT_EQ(after.votes[1].vote_id, "v2");
  EXPECT_EQ(vote("nope", {"bob", VoteChoice::kAbstain, "v3", "", 12}), DecisionStore::VoteResult::kNotFound);

  auto d1 = store_->find("d1", error);
  ASSERT_TRUE(d1);
  EXPECT_EQ(d1->meeting_id, "m1");
  EXPECT_EQ(d1->required, 3u);
  EXPECT_EQ(d1->deadline_ms, 5000);
  EXPECT_TRUE(d1->has_eligible);
  EXPECT_EQ(d1->eligible_users, (std::vector<std::string>{"alice", "bob"}));
  EXPECT_EQ(d1->eligible_role, "admin");
  EXPECT_FALSE(d1->closed);
  ASSERT_EQ(d1->votes.size(), 2u);
  EXPECT_EQ(d1->votes[0].user_id, "alice");
  EXPECT_EQ(d1->votes[0].comment, "yes");
  EXPECT_EQ(d1->votes[1].comment, "changed");
  EXPECT_FALSE(store_->find("nope", error));

  EXPECT_EQ(store_->overdue(5500), std::vector<std::string>{"d1"});
  EXPECT_EQ(vote("d2", {"alice", VoteChoice::kReject, "v3", "", 13}, &after), DecisionStore::VoteResult::kRecorded);
  EXPECT_EQ(store_->close("d2", "rejected", 100, after.revision, error), DecisionStore::CloseResult::kClosed);
  // Closed once: a second close changes nothing, a late vote is refused.
  EXPECT_EQ(store_->close("d2", "approved", 200, after.revision, error), DecisionStore::CloseResult::kAlreadyClosed);
  EXPECT_EQ(vote("d2", {"bob", VoteChoice::kApprove, "v4", "", 14}), DecisionStore::VoteResult::kClosed);
  auto d2 = store_->find("d2", error);
  ASSERT_TRUE(d2);
  EXPECT_TRUE(d2->closed);
  EXPECT_EQ(d2->result, "rejected");
  EXPECT_EQ(d2->completed_at_ms, 100);
  EXPECT_EQ(d2->votes.size(), 1u);
  EXPECT_TRUE(store_->overdue(6500) == std::vector<std::string>{"d1"});
  // Open ones always; closed ones only when they closed recently enough.
  EXPECT_EQ(store_->load(0).size(), 2u);
  auto recent = store_->load(101);
  ASSERT_EQ(recent.size(), 1u);
  EXPECT_EQ(recent[0].id, "d1");
}

INSTANTIATE_TEST_SUITE_P(Stores, DecisionStoreContract, testing::Values("sqlite", "redis"),
                         [](const testing::TestParamInfo<std::string>& param) { return param.param; });

TEST(RedisDecisionStore, AResultCountedBeforeAnotherNodesVoteIsRefusedAsStale) {
  test_support::RedisServer redis;
  ASSERT_TRUE(redis.ok());
  RedisEndpoint endpoint;
  endpoint.port = redis.port();
  // Two nodes, each with its own connection.
  RedisDecisionStore node_a({std::make_shared<RedisClient>(endpoint)}, "sbtest:");
  RedisDecisionStore node_b({std::make_shared<RedisClient>(endpoint)}, "sbtest:");
  std::string error;
  ASSERT_EQ(node_a.create(sample_decision("d", 5000), error), DecisionStore::CreateResult::kCreated);
  StoredDecision seen_by_a;
  StoredVote a_vote{"alice", VoteChoice::kApprove, "va", "", 1};
  ASSERT_EQ(node_a.record_vote("d", a_vote, &seen_by_a, error), DecisionStore::VoteResult::kRecorded);
  StoredVote b_vote{"bob", VoteChoice::kReject, "vb", "", 2};
  StoredDecision seen_by_b;
  ASSERT_EQ(node_b.record_vote("d", b_vote, &seen_by_b, error), DecisionStore::VoteResult::kRecorded);
  EXPECT_EQ(seen_by_b.votes.size(), 2u) << "node B sees node A's vote";
  EXPECT_EQ(node_a.close("d", "approved", 10, seen_by_a.revision, error), DecisionStore::CloseResult::kStale);
  EXPECT_EQ(node_b.close("d", "rejected", 11, seen_by_b.revision, error), DecisionStore::CloseResult::kClosed);
  EXPECT_EQ(node_a.find("d", error)->result, "rejected");
}

TEST(RedisDecisionStore, RecordsRoundTripAndMalformedOnesAreRefused) {
  StoredDecision d = sample_decision("x", 42);
  StoredDecision back;
  std::string record = RedisDecisionStore::encode_decision(d);
  ASSERT_TRUE(RedisDecisionStore::decode_decision(record, back));
  EXPECT_EQ(back.eligible_users, d.eligible_users);
  EXPECT_EQ(back.deadline_ms, 42);
  EXPECT_FALSE(RedisDecisionStore::decode_decision(record.substr(0, record.size() - 1), back));
  StoredVote v{"u", VoteChoice::kReject, "", "why", 7}, vb;
  std::string vote = RedisDecisionStore::encode_vote(v);
  ASSERT_TRUE(RedisDecisionStore::decode_vote(vote, vb));
  EXPECT_EQ(vb.choice, VoteChoice::kReject);
  EXPECT_EQ(vb.comment, "why");
  vote[0] = 9;
  EXPECT_FALSE(RedisDecisionStore::decode_vote(vote, vb));
}

}  // namespace
}  // namespace sb::cluster

namespace sb::cluster {

TEST(RedisDecisionStore, AnUnreachableRedisIsNotAnUnknownDecision) {
  auto redis = std::make_unique<test_support::RedisServer>();
  ASSERT_TRUE(redis->ok());
  RedisEndpoint endpoint;
  endpoint.port = redis->port();
  RedisDecisionStore decisions({std::make_shared<RedisClient>(endpoint)}, "sbtest:");
  std::string error;
  ASSERT_EQ(decisions.create(test_support::sample_decision("d", 1000), error), store::DecisionStore::CreateResult::kCreated)
      << error;
  EXPECT_FALSE(decisions.find("unknown", error));
  EXPECT_TRUE(error.empty()) << "unknown is not an error";
  redis.reset();  // gone: every call fails
  EXPECT_FALSE(decisions.find("d", error));
  EXPECT_FALSE(error.empty());
}

}  // namespace sb::cluster

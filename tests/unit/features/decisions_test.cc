#include <gtest/gtest.h>

#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "features/decisions/decision_service.h"
#include "features/decisions/vote_tally.h"
#include "store/sqlite_decision_store.h"
#include "../support/temp_database.h"

namespace sb::features::decisions {

namespace {

auth::IdentityPtr user(std::string id, std::vector<std::string> roles = {}) {
  auto identity = auth::make_identity();
  identity->anonymous = false;
  identity->user_id = std::move(id);
  identity->set_roles(std::move(roles));
  return identity;
}

auth::ChannelPolicy open_policy() {
  auth::AccessRule everyone;  // authenticated users
  auth::AccessRule nobody;
  nobody.allow = false;
  return auth::ChannelPolicy({auth::ChannelRule{"decision:secret", nobody, nobody, {}}}, everyone, everyone,
                             auth::RoleHierarchy({"viewer", "editor", "admin"}));
}

// Records what a subscriber of decision channels receives.
struct Recorder : hub::Subscriber {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::pair<std::string, std::string>> events;  // type, data
  void deliver(const hub::Publication& p) override {
    std::lock_guard lock(mutex);
    events.emplace_back(p.event_type, p.data);
    changed.notify_all();
  }
  // Waits until an event of `type` arrives (or times out): returns its data.
  std::string wait_for(const std::string& type) {
    std::unique_lock lock(mutex);
    std::string found;
    changed.wait_for(lock, std::chrono::seconds(5), [&] {
      for (const auto& [t, d] : events) {
        if (t == type) found = d;
      }
      return !found.empty();
    });
    return found;
  }
};

// One loop on its own thread with a hub shard, as a server worker has.
struct Rig {
  transport::EventLoop loop;
  hub::Hub hub;
  transport::LoopGroup loops{1};
  auth::ChannelPolicy policy = open_policy();
  Recorder recorder;
  std::thread thread;
  Rig() {
    hub::HubShard& shard = hub.add_shard([this] { loop.wake(); });
    loop.on_wake([&shard] { shard.drain_inbox(); });
    loop.on_before_sleep([&shard] { shard.drain_inbox(); });
    loops.set(0, loop);
    thread = std::thread([this] { loop.run(); });
  }
  ~Rig() {
    on_loop([this] { hub.shard(0).unsubscribe_all(recorder); });
    loop.stop();
    thread.join();
  }
  // Runs fn on the loop and waits for it.
  void on_loop(std::function<void()> fn) {
    std::promise<void> done;
    loop.post([&] {
      fn();
      done.set_value();
    });
    done.get_future().wait();
  }
  void follow(const std::string& channel) {
    on_loop([&] { hub.shard(0).subscribe(recorder, channel); });
  }
};

store::StoredDecision decision(std::string id, uint32_t required, int64_t deadline_ms) {
  store::StoredDecision d;
  d.id = std::move(id);
  d.required = required;
  d.deadline_ms = deadline_ms;
  return d;
}

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Calls service.cast from the loop and waits for the outcome.
CastOutcome cast(Rig& rig, DecisionService& service, auth::IdentityPtr voter, const std::string& id,
                 store::VoteChoice choice) {
  std::promise<CastOutcome> outcome;
  rig.loop.post([&] {
    service.cast(0, voter, id, choice, "", [&](CastOutcome o) { outcome.set_value(std::move(o)); });
  });
  return outcome.get_future().get();
}

int open(Rig& rig, DecisionService& service, store::StoredDecision d) {
  std::promise<int> status;
  rig.loop.post([&] { service.open(0, std::move(d), [&](int s, std::string) { status.set_value(s); }); });
  return status.get_future().get();
}

}  // namespace

TEST(VoteTally, CountsDecidesByMajorityAndChecksWhoMayVote) {
  store::StoredDecision d = decision("d", 3, 0);
  d.votes = {{"a", store::VoteChoice::kApprove, "v1", "", 0}, {"b", store::VoteChoice::kReject, "v2", "", 0},
             {"c", store::VoteChoice::kAbstain, "v3", "", 0}};
  VoteSummary s = tally(d);
  EXPECT_EQ(s.approve, 1u);
  EXPECT_EQ(s.total(), 3u);
  EXPECT_TRUE(is_complete(d, s));
  EXPECT_EQ(result_of(s), "rejected");  // a tie is not approval
  s.approve = 2;
  EXPECT_EQ(result_of(s), "approved");

  auth::ChannelPolicy policy = open_policy();
  EXPECT_TRUE(may_vote(d, *user("anyone"), policy));
  EXPECT_FALSE(may_vote(decision("secret", 1, 0), *user("anyone"), policy));  // may not follow it
  EXPECT_FALSE(may_vote(d, *auth::anonymous_identity(), policy));
  d.has_eligible = true;
  d.eligible_users = {"ana"};
  d.eligible_role = "admin";
  EXPECT_TRUE(may_vote(d, *user("ana"), policy));
  EXPECT_TRUE(may_vote(d, *user("boss", {"admin"}), policy));
  EXPECT_FALSE(may_vote(d, *user("ed", {"editor"}), policy));
}

TEST(DecisionService, AVoteFromOpenToResultWithChangedVotesAndRefusals) {
  Rig rig;
  DecisionService service(rig.hub, rig.loops, rig.policy, nullptr, 50);
  rig.follow("decision:d1");
  store::StoredDecision d = decision("d1", 3, wall_ms() + 60000);
  d.has_eligible = true;
  d.eligible_users = {"a", "b", "c"};
  ASSERT_EQ(open(rig, service, d), 201);
  EXPECT_EQ(open(rig, service, d), 409);
  EXPECT_NE(rig.recorder.wait_for("decision.vote.update").find(R"("total":0,"required":3)"), std::string::npos);

  CastOutcome first = cast(rig, service, user("a"), "d1", store::VoteChoice::kReject);
  ASSERT_EQ(first.status, CastStatus::kRecorded);
  EXPECT_FALSE(first.changed);
  CastOutcome again = cast(rig, service, user("a"), "d1", store::VoteChoice::kApprove);
  ASSERT_EQ(again.status, CastStatus::kRecorded);
  EXPECT_TRUE(again.changed);
  EXPECT_EQ(again.vote_id, first.vote_id);  // one vote per user
  EXPECT_EQ(cast(rig, service, user("z"), "d1", store::VoteChoice::kApprove).status, CastStatus::kNotEligible);
  EXPECT_EQ(cast(rig, service, user("a"), "nope", store::VoteChoice::kApprove).status, CastStatus::kNotFound);
  EXPECT_EQ(cast(rig, service, user("b"), "d1", store::VoteChoice::kApprove).status, CastStatus::kRecorded);
  EXPECT_EQ(cast(rig, service, user("c"), "d1", store::VoteChoice::kReject).status, CastStatus::kRecorded);
  // Every required vote is in: closed, the last tally then the result.
  std::string result = rig.recorder.wait_for("decision.result");
  EXPECT_NE(result.find(R"("result":"approved")"), std::string::npos) << result;
  EXPECT_NE(result.find(R"("finalVotes":{"approve":2,"reject":1,"abstain":0})"), std::string::npos) << result;
  EXPECT_EQ(cast(rig, service, user("c"), "d1", store::VoteChoice::kApprove).status, CastStatus::kClosed);
  std::lock_guard lock(rig.recorder.mutex);
  auto& events = rig.recorder.events;
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events.back().first, "decision.result");
  EXPECT_EQ(events[events.size() - 2].first, "decision.vote.update");
  EXPECT_NE(events[events.size() - 2].second.find(R"("approve":2,"reject":1,"abstain":0,"total":3)"),
            std::string::npos);
  EXPECT_NE(events[events.size() - 2].second.find(R"("status":"closed")"), std::string::npos);
}

TEST(DecisionService, TallyUpdatesAreCoalescedAndTheLastOneIsSent) {
  Rig rig;
  DecisionService service(rig.hub, rig.loops, rig.policy, nullptr, 200);
  rig.follow("decision:big");
  ASSERT_EQ(open(rig, service, decision("big", 1000, wall_ms() + 60000)), 201);
  constexpr int kVoters = 60;
  std::promise<void> all_answered;
  int answered = 0;
  rig.loop.post([&] {
    for (int i = 0; i < kVoters; ++i) {
      service.cast(0, user("u" + std::to_string(i)), "big", store::VoteChoice::kApprove, "", [&](CastOutcome o) {
        EXPECT_EQ(o.status, CastStatus::kRecorded);
        if (++answered == kVoters) all_answered.set_value();
      });
    }
  });
  all_answered.get_future().wait();
  // The latest tally arrives however many votes were coalesced into it.
  std::string total = R"("total":)" + std::to_string(kVoters);
  for (int waited = 0; waited < 50; ++waited) {
    {
      std::lock_guard lock(rig.recorder.mutex);
      if (!rig.recorder.events.empty() && rig.recorder.events.back().second.find(total) != std::string::npos) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::lock_guard lock(rig.recorder.mutex);
  auto& events = rig.recorder.events;
  EXPECT_NE(events.back().second.find(total), std::string::npos) << events.back().second;
  // The opening tally, then far fewer updates than votes.
  EXPECT_LT(events.size(), static_cast<size_t>(kVoters / 4)) << events.size() << " updates for " << kVoters;
}

TEST(DecisionService, VotesAndResultsSurviveARestart) {
  test_support::TempDatabase db;
  const std::string& path = db.path();
  std::string error;
  {
    auto store = store::SqliteDecisionStore::open(path, error);
    ASSERT_TRUE(store) << error;
    Rig rig;
    DecisionService service(rig.hub, rig.loops, rig.policy, store.get(), 50);
    rig.follow("decision:done");
    ASSERT_EQ(open(rig, service, decision("kept", 5, wall_ms() + 60000)), 201);
    ASSERT_EQ(open(rig, service, decision("done", 1, wall_ms() + 60000)), 201);
    EXPECT_EQ(cast(rig, service, user("a"), "kept", store::VoteChoice::kApprove).status, CastStatus::kRecorded);
    EXPECT_EQ(cast(rig, service, user("a"), "done", store::VoteChoice::kReject).status, CastStatus::kRecorded);
    EXPECT_FALSE(rig.recorder.wait_for("decision.result").empty());
  }
  auto store = store::SqliteDecisionStore::open(path, error);
  ASSERT_TRUE(store) << error;
  Rig rig;
  DecisionService service(rig.hub, rig.loops, rig.policy, store.get(), 50);
  service.load(wall_ms());
  service.start();
  std::promise<std::string> kept;
  rig.loop.post([&] { service.find(0, "kept", [&](int, std::string body) { kept.set_value(body); }); });
  std::string body = kept.get_future().get();
  EXPECT_NE(body.find(R"("voteSummary":{"approve":1,"reject":0,"abstain":0,"total":1,"required":5})"),
            std::string::npos) << body;
  // The same user changes the vote after the restart: still one vote.
  CastOutcome changed = cast(rig, service, user("a"), "kept", store::VoteChoice::kReject);
  EXPECT_TRUE(changed.changed);
  EXPECT_EQ(cast(rig, service, user("b"), "done", store::VoteChoice::kApprove).status, CastStatus::kClosed);
  std::promise<std::string> done;
  rig.loop.post([&] { service.find(0, "done", [&](int, std::string b) { done.set_value(b); }); });
  EXPECT_NE(done.get_future().get().find(R"("result":"rejected")"), std::string::npos);
  store.reset();
}

TEST(DecisionService, ADeadlineClosesTheVote) {
  Rig rig;
  DecisionService service(rig.hub, rig.loops, rig.policy, nullptr, 50);
  rig.follow("decision:short");
  ASSERT_EQ(open(rig, service, decision("short", 10, wall_ms() + 300)), 201);
  EXPECT_EQ(cast(rig, service, user("a"), "short", store::VoteChoice::kApprove).status, CastStatus::kRecorded);
  std::string result = rig.recorder.wait_for("decision.result");
  EXPECT_NE(result.find(R"("result":"approved")"), std::string::npos) << result;
  EXPECT_EQ(cast(rig, service, user("b"), "short", store::VoteChoice::kApprove).status, CastStatus::kClosed);
}

}  // namespace sb::features::decisions

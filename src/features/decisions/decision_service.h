#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "auth/channel_policy.h"
#include "auth/identity.h"
#include "hub/hub.h"
#include "store/decision_store.h"
#include "transport/loop_group.h"
#include "transport/work_pool.h"

namespace sb::features::decisions {

// What became of a vote.
enum class CastStatus { kRecorded, kNotFound, kClosed, kNotEligible, kFailed };
struct CastOutcome {
  CastStatus status = CastStatus::kFailed;
  std::string vote_id;
  bool changed = false;  // the user had voted before: this replaced it
  uint64_t at_ms = 0;
  std::string error;     // kFailed: why
};

// Live decisions: a backend opens one, eligible users vote (one vote each, changeable
// until it closes), everyone subscribed to `decision:{id}` sees the tally, and it closes
// when every required vote is in or its deadline passes, with a result by majority.
//
// Each decision lives on one loop (its home, by id): votes are applied there in order and
// its events published from there. A vote is answered once it is durable in the store
// (written by one writer thread, in order). Tally updates are coalesced: at most one per
// update_interval_ms per decision, the latest tally wins, and the last one is always sent
// before the result, so a vote of thousands costs updates per second, not per vote.
// Methods are called on loop `from` (a hub shard index) and answer back on it.
//
// With a shared store (a cluster), every node runs the same service and the store is the
// authority: a vote is applied by the store atomically and the node takes the decision's
// votes from its answer; a node learns of a decision opened elsewhere from the store when
// first asked; the result is written by whichever node first counted every vote (the
// store refuses a close counted from a stale revision), and only that node publishes it;
// a deadline left by a node that died is found by a sweep of every node.
class DecisionService {
 public:
  // store may be null (nothing survives a restart then).
  DecisionService(hub::Hub& hub, const transport::LoopGroup& loops, const auth::ChannelPolicy& policy,
                  store::DecisionStore* store, uint32_t update_interval_ms);
  ~DecisionService();

  // Before the loops run: loads open decisions and those closed in the last retention
  // period from the store. start() then arms their deadlines (closing the overdue ones).
  void load(int64_t now_ms);
  void start();
  // With a shared store: checks every sweep_ms for open decisions past their deadline that
  // no node closed (their node died). Call once the loops run.
  void start_sweeping(uint32_t sweep_ms = 2000);

  // Opens a decision (id, meeting id, required, deadline, eligibility set by the caller).
  // done(status, body): 201 with describe() JSON, 409 when the id exists, 500 on a store
  // failure.
  void open(size_t from, store::StoredDecision decision, std::function<void(int, std::string)> done);
  // Casts or changes a vote.
  void cast(size_t from, auth::IdentityPtr voter, std::string decision_id, store::VoteChoice choice,
            std::string comment, std::function<void(CastOutcome)> done);
  // What a new subscriber should see: ("decision.vote.update", data) while voting,
  // ("decision.result", data) once closed, or empty strings for an unknown decision.
  void snapshot(size_t from, std::string decision_id, std::function<void(std::string, std::string)> done);
  // For backends: done(200, describe JSON), done(404, "") or, while a shared store cannot
  // be read, done(503, "").
  void find(size_t from, std::string decision_id, std::function<void(int, std::string)> done);

  // How long a closed decision stays in memory (then only the store has it).
  static constexpr uint32_t kRetentionMs = 3600 * 1000;

 private:
  struct Entry {
    store::StoredDecision d;
    bool creating = true;        // not yet durable: votes wait for it
    uint64_t version = 0;        // votes applied
    uint64_t published_version = 0;
    uint64_t last_update_ms = 0; // monotonic time of the last tally update
    bool update_timer = false;
  };
  struct Shard {
    std::unordered_map<std::string, Entry> decisions;  // touched only on the home loop
  };

  bool shared() const { return store_ != nullptr && store_->shared(); }
  size_t home_of(std::string_view id) const { return loops_.owner_of(id); }
  // Runs fn with the decision's entry (null when unknown or still being created); with a
  // shared store, one not in memory is looked up there first.
  void with_entry(size_t home, const std::string& id, std::function<void(Entry*)> fn);
  // Shared store: reads the decision again (votes through other nodes, a close by another
  // node) into memory, then runs fn with its entry (null when unknown).
  void refresh(size_t home, const std::string& id, std::function<void(Entry*)> fn);
  void cast_shared(size_t home, Entry& e, auth::IdentityPtr voter, store::VoteChoice choice, std::string comment,
                   std::function<void(CastOutcome)> answer);
  void sweep(uint32_t sweep_ms);
  // Drops a closed decision from memory after the retention period.
  void forget_later(size_t home, const std::string& id);
  void answer_snapshot(size_t from, Entry* known, std::function<void(std::string, std::string)> done);
  void at_home(const std::string& id, std::function<void(size_t home, Shard&)> fn);
  Entry* entry(size_t home, const std::string& id);
  void arm_deadline(size_t home, const std::string& id);
  void close(size_t home, Entry& e);
  void request_update(size_t home, const std::string& id);
  void publish_update(size_t home, Entry& e);
  void publish(size_t home, std::string channel, std::string type, std::string data);
  // Runs write on the writer thread, then after on the home loop.
  void write(size_t home, std::function<bool(store::DecisionStore&, std::string&)> write,
             std::function<void(bool ok, std::string error)> after);
  // Runs work on the writer thread, then then(its result) on the home loop. Without a
  // store, then gets a default Result (which must mean "done").
  template <class Result>
  void on_writer(size_t home, std::function<Result(store::DecisionStore&)> work, std::function<void(Result)> then);

  hub::Hub& hub_;
  const transport::LoopGroup& loops_;
  const auth::ChannelPolicy& policy_;
  store::DecisionStore* store_;
  uint32_t update_interval_ms_;
  std::vector<Shard> shards_;
  transport::WorkPool writer_{1};  // one thread: writes land in the order they were made
};

}  // namespace sb::features::decisions

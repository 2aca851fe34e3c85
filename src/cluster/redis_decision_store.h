#pragma once
#include <memory>
#include <string>
#include <vector>

#include "cluster/redis_client.h"
#include "store/decision_store.h"

namespace sb::cluster {

// Decisions of a cluster in Redis, shared by every node (on the instance the decision id
// hashes to): `dec:d:<id>`, a hash with the decision (`d`), its revision (`rev`, one more
// per vote written) and, once closed, `result` and `completed`; `dec:v:<id>`, user -> vote;
// `dec:i:<id>`, user -> vote id (kept when a vote changes); `dec:open`, the open ids by
// deadline; `dec:done`, the closed ids by completion time. Every write is one Lua script:
// a vote is refused once the decision is closed, and a close counted from an older revision
// than the stored one is refused as stale, so the result always counts every vote.
class RedisDecisionStore final : public store::DecisionStore {
 public:
  RedisDecisionStore(std::vector<std::shared_ptr<RedisClient>> clients, std::string prefix);

  CreateResult create(const store::StoredDecision& decision, std::string& error) override;
  VoteResult record_vote(std::string_view decision_id, store::StoredVote& vote, store::StoredDecision* after,
                         std::string& error) override;
  CloseResult close(std::string_view decision_id, std::string_view result, int64_t completed_at_ms, uint64_t revision,
                    std::string& error) override;
  std::vector<store::StoredDecision> load(int64_t closed_since_ms) override;
  std::optional<store::StoredDecision> find(std::string_view id, std::string& error) override;
  std::vector<std::string> overdue(int64_t now_ms) override;
  bool shared() const override { return true; }

  // The records kept per decision and per vote, and back; false when malformed.
  static std::string encode_decision(const store::StoredDecision& d);
  static bool decode_decision(std::string_view record, store::StoredDecision& out);
  static std::string encode_vote(const store::StoredVote& v);
  static bool decode_vote(std::string_view record, store::StoredVote& out);

 private:
  RedisClient& client_for(std::string_view id);
  std::vector<std::string> keys(std::string_view id) const;
  // Reads the decision from a script's answer {decision hash, votes hash, vote ids hash}.
  static std::optional<store::StoredDecision> parse(const redisReply* reply);
  // Ids in a sorted set of every instance between min and max.
  std::vector<std::string> ids_in(const std::string& set, const std::string& min, const std::string& max);

  std::vector<std::shared_ptr<RedisClient>> clients_;
  std::string prefix_;
};

}  // namespace sb::cluster

#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "auth/channel_policy.h"
#include "auth/identity.h"
#include "store/decision_store.h"

// The rules of a live vote, apart from where it runs: counting, the result, who may vote,
// and the JSON the events carry (seed 003's decision.vote.update and decision.result).
namespace sb::features::decisions {

struct VoteSummary {
  uint32_t approve = 0;
  uint32_t reject = 0;
  uint32_t abstain = 0;
  uint32_t total() const { return approve + reject + abstain; }
};

VoteSummary tally(const store::StoredDecision& decision);
// "approved" when approvals outnumber rejections, else "rejected" (a tie, or no votes).
std::string_view result_of(const VoteSummary& summary);
// Whether every required vote is in.
inline bool is_complete(const store::StoredDecision& d, const VoteSummary& s) { return s.total() >= d.required; }
// Whether identity may vote: the users or role the backend named, else whoever may
// subscribe to the decision's channel.
bool may_vote(const store::StoredDecision& decision, const auth::Identity& identity,
              const auth::ChannelPolicy& policy);

// The channel of a decision.
std::string channel_of(std::string_view decision_id);

// Event data: {decisionId[,meetingId],voteSummary{approve,reject,abstain,total,required},status,deadline}.
std::string update_data(const store::StoredDecision& decision, const VoteSummary& summary);
// {decisionId[,meetingId],result,finalVotes{approve,reject,abstain},completedAt}.
std::string result_data(const store::StoredDecision& decision, const VoteSummary& summary);
// Everything a backend may want: the decision, its summary, status, result and each vote.
std::string describe(const store::StoredDecision& decision);

}  // namespace sb::features::decisions

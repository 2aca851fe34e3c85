#include "features/decisions/vote_tally.h"

#include <algorithm>

#include "json/json_writer.h"

namespace sb::features::decisions {

VoteSummary tally(const store::StoredDecision& decision) {
  VoteSummary s;
  for (const auto& v : decision.votes) {
    switch (v.choice) {
      case store::VoteChoice::kApprove: ++s.approve; break;
      case store::VoteChoice::kReject: ++s.reject; break;
      case store::VoteChoice::kAbstain: ++s.abstain; break;
    }
  }
  return s;
}

std::string_view result_of(const VoteSummary& summary) {
  return summary.approve > summary.reject ? "approved" : "rejected";
}

bool may_vote(const store::StoredDecision& d, const auth::Identity& identity, const auth::ChannelPolicy& policy) {
  if (identity.anonymous) return false;
  if (d.has_eligible) {
    if (std::find(d.eligible_users.begin(), d.eligible_users.end(), identity.user_id) != d.eligible_users.end()) {
      return true;
    }
    return !d.eligible_role.empty() && policy.roles().satisfies(identity, d.eligible_role);
  }
  return policy.can_subscribe(identity, channel_of(d.id)) == auth::Decision::kAllow;
}

std::string channel_of(std::string_view decision_id) { return "decision:" + std::string(decision_id); }

namespace {

void ids(json::ObjectWriter& w, const store::StoredDecision& d) {
  w.string("decisionId", d.id);
  if (!d.meeting_id.empty()) w.string("meetingId", d.meeting_id);
}

std::string summary_json(const store::StoredDecision& d, const VoteSummary& s, bool with_totals) {
  std::string out;
  json::ObjectWriter w(out);
  w.number("approve", s.approve).number("reject", s.reject).number("abstain", s.abstain);
  if (with_totals) w.number("total", s.total()).number("required", d.required);
  w.end();
  return out;
}

}  // namespace

std::string update_data(const store::StoredDecision& d, const VoteSummary& s) {
  std::string out;
  json::ObjectWriter w(out);
  ids(w, d);
  w.raw("voteSummary", summary_json(d, s, true)).string("status", d.closed ? "closed" : "voting")
      .string("deadline", json::iso8601(static_cast<uint64_t>(d.deadline_ms))).end();
  return out;
}

std::string result_data(const store::StoredDecision& d, const VoteSummary& s) {
  std::string out;
  json::ObjectWriter w(out);
  ids(w, d);
  w.string("result", d.result).raw("finalVotes", summary_json(d, s, false))
      .string("completedAt", json::iso8601(static_cast<uint64_t>(d.completed_at_ms))).end();
  return out;
}

std::string describe(const store::StoredDecision& d) {
  VoteSummary s = tally(d);
  std::string votes = "[";
  for (const auto& v : d.votes) {
    if (votes.size() > 1) votes += ',';
    json::ObjectWriter(votes).string("userId", v.user_id).string("vote", store::to_string(v.choice))
        .string("voteId", v.vote_id).string("comment", v.comment)
        .string("timestamp", json::iso8601(static_cast<uint64_t>(v.cast_at_ms))).end();
  }
  votes += ']';
  std::string out;
  json::ObjectWriter w(out);
  ids(w, d);
  w.number("required", d.required).string("deadline", json::iso8601(static_cast<uint64_t>(d.deadline_ms)))
      .string("status", d.closed ? "closed" : "voting").raw("voteSummary", summary_json(d, s, true));
  if (d.has_eligible) {
    std::string eligible;
    json::ObjectWriter e(eligible);
    e.raw("users", json::string_array(d.eligible_users));
    if (!d.eligible_role.empty()) e.string("role", d.eligible_role);
    e.end();
    w.raw("eligible", eligible);
  }
  if (d.closed) {
    w.string("result", d.result).string("completedAt", json::iso8601(static_cast<uint64_t>(d.completed_at_ms)));
  }
  w.raw("votes", votes).end();
  return out;
}

}  // namespace sb::features::decisions

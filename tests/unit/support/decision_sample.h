#pragma once
#include <cstdint>
#include <string>

#include "store/decision_store.h"

namespace sb::test_support {

// A decision for store tests: meeting m1, 3 votes required, alice and bob (and admins)
// eligible.
inline store::StoredDecision sample_decision(std::string id, int64_t deadline_ms) {
  store::StoredDecision d;
  d.id = std::move(id);
  d.meeting_id = "m1";
  d.required = 3;
  d.deadline_ms = deadline_ms;
  d.created_at_ms = 1;
  d.has_eligible = true;
  d.eligible_users = {"alice", "bob"};
  d.eligible_role = "admin";
  return d;
}

}  // namespace sb::test_support

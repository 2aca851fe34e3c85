#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// What the decisions feature keeps across restarts, behind one interface (SQLite on one
// node; Redis, shared by every node, in a cluster).
namespace sb::store {

enum class VoteChoice : uint8_t { kApprove, kReject, kAbstain };
std::string_view to_string(VoteChoice choice);
// "approve", "reject" or "abstain"; false for anything else.
bool parse_vote_choice(std::string_view text, VoteChoice& out);

// One user's current vote on a decision (a changed vote replaces it).
struct StoredVote {
  std::string user_id;
  VoteChoice choice = VoteChoice::kAbstain;
  std::string vote_id;
  std::string comment;
  int64_t cast_at_ms = 0;
};

// A decision opened by a backend, its votes and, once closed, its result.
struct StoredDecision {
  std::string id;
  std::string meeting_id;  // may be empty
  uint32_t required = 0;   // votes that complete it
  int64_t deadline_ms = 0;
  int64_t created_at_ms = 0;
  bool has_eligible = false;               // false: whoever may subscribe to decision:{id} votes
  std::vector<std::string> eligible_users; // with has_eligible: these users...
  std::string eligible_role;               // ...and holders of this role (or above)
  bool closed = false;
  std::string result;  // "approved" or "rejected" once closed
  int64_t completed_at_ms = 0;
  std::vector<StoredVote> votes;
  // How many votes were written (a shared store counts them, so that a result is only
  // written by whoever saw every vote; 0 elsewhere).
  uint64_t revision = 0;
};

// Every call blocks on storage: run them off the event loops. Implementations are
// thread-safe; calls made in order from one thread are applied in that order. A shared store
// (Redis in a cluster) is written by several nodes at once: each call is atomic there, so
// that a vote never lands after the close and a decision closes exactly once.
class DecisionStore {
 public:
  virtual ~DecisionStore() = default;
  enum class CreateResult { kCreated, kExists, kFailed };
  enum class VoteResult { kRecorded, kClosed, kNotFound, kFailed };
  enum class CloseResult { kClosed, kAlreadyClosed, kStale, kFailed };
  // Stores a new decision (without votes). Durable on return when kCreated.
  virtual CreateResult create(const StoredDecision& decision, std::string& error) = 0;
  // Stores a user's vote while the decision is open, replacing their earlier one, whose
  // vote id it keeps (vote.vote_id becomes the id stored). after, when given, receives the
  // decision with every vote now in (those cast through other nodes too). Durable on return
  // when kRecorded.
  virtual VoteResult record_vote(std::string_view decision_id, StoredVote& vote, StoredDecision* after,
                                 std::string& error) = 0;
  // Closes an open decision with its result, counted from the votes of `revision`:
  // kClosed when this call closed it, kAlreadyClosed when something else did first, kStale
  // (shared stores only) when votes came in since that revision: count again and retry.
  virtual CloseResult close(std::string_view decision_id, std::string_view result, int64_t completed_at_ms,
                            uint64_t revision, std::string& error) = 0;
  // Open decisions and those closed at or after closed_since_ms, with their votes.
  virtual std::vector<StoredDecision> load(int64_t closed_since_ms) = 0;
  // One decision with its votes, or nullopt: unknown when error stays empty, else the store
  // could not be read now (error says why).
  virtual std::optional<StoredDecision> find(std::string_view id, std::string& error) = 0;
  // Ids of open decisions whose deadline is at or before now_ms.
  virtual std::vector<std::string> overdue(int64_t now_ms) = 0;
  // Whether other nodes write it too: a node's memory is then only a cache of it.
  virtual bool shared() const { return false; }
};

}  // namespace sb::store

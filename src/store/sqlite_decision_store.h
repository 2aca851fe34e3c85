#pragma once
#include <memory>
#include <mutex>
#include <string>

#include "store/decision_store.h"

struct sqlite3;

namespace sb::store {

// Decisions and votes in SQLite (the embedded store's file, its own connection).
class SqliteDecisionStore final : public DecisionStore {
 public:
  // Opens (creating tables if needed) the database at path (":memory:" for tests); nullptr
  // with error set when it cannot.
  static std::unique_ptr<SqliteDecisionStore> open(const std::string& path, std::string& error);
  ~SqliteDecisionStore() override;

  CreateResult create(const StoredDecision& decision, std::string& error) override;
  VoteResult record_vote(std::string_view decision_id, StoredVote& vote, StoredDecision* after,
                         std::string& error) override;
  // One node writes it in order, so the revision is never stale.
  CloseResult close(std::string_view decision_id, std::string_view result, int64_t completed_at_ms,
                    uint64_t revision, std::string& error) override;
  std::vector<StoredDecision> load(int64_t closed_since_ms) override;
  std::optional<StoredDecision> find(std::string_view id, std::string& error) override;
  std::vector<std::string> overdue(int64_t now_ms) override;

 private:
  explicit SqliteDecisionStore(sqlite3* db) : db_(db) {}
  // Fills eligible users and votes of decisions read from the decisions table.
  void fill_details(StoredDecision& decision);
  std::vector<StoredDecision> select(const char* sql, std::string_view text, int64_t number);
  std::optional<StoredDecision> find_locked(std::string_view id);

  std::mutex mutex_;
  sqlite3* db_;
};

}  // namespace sb::store

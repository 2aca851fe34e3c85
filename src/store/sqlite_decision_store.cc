#include "store/sqlite_decision_store.h"

#include <sqlite3.h>

#include "store/sqlite_helpers.h"

namespace sb::store {

using sqlite::column_text;
using sqlite::run;

std::string_view to_string(VoteChoice choice) {
  switch (choice) {
    case VoteChoice::kApprove: return "approve";
    case VoteChoice::kReject: return "reject";
    case VoteChoice::kAbstain: return "abstain";
  }
  return "abstain";
}

bool parse_vote_choice(std::string_view text, VoteChoice& out) {
  if (text == "approve") out = VoteChoice::kApprove;
  else if (text == "reject") out = VoteChoice::kReject;
  else if (text == "abstain") out = VoteChoice::kAbstain;
  else return false;
  return true;
}

std::unique_ptr<SqliteDecisionStore> SqliteDecisionStore::open(const std::string& path, std::string& error) {
  const char* schema =
      "CREATE TABLE IF NOT EXISTS decisions ("
      "  id TEXT PRIMARY KEY, meeting_id TEXT NOT NULL, required INTEGER NOT NULL, deadline INTEGER NOT NULL,"
      "  created_at INTEGER NOT NULL, has_eligible INTEGER NOT NULL, eligible_role TEXT NOT NULL,"
      "  closed INTEGER NOT NULL DEFAULT 0, result TEXT NOT NULL DEFAULT '', completed_at INTEGER NOT NULL DEFAULT 0);"
      "CREATE TABLE IF NOT EXISTS decision_eligible ("
      "  decision_id TEXT NOT NULL, user_id TEXT NOT NULL, PRIMARY KEY (decision_id, user_id));"
      "CREATE TABLE IF NOT EXISTS decision_votes ("
      "  decision_id TEXT NOT NULL, user_id TEXT NOT NULL, choice TEXT NOT NULL, vote_id TEXT NOT NULL,"
      "  comment TEXT NOT NULL, cast_at INTEGER NOT NULL, PRIMARY KEY (decision_id, user_id));"
      "CREATE INDEX IF NOT EXISTS decisions_open ON decisions (closed, completed_at);";
  sqlite3* db = sqlite::open_database(path, schema, error);
  if (db == nullptr) return nullptr;
  return std::unique_ptr<SqliteDecisionStore>(new SqliteDecisionStore(db));
}

SqliteDecisionStore::~SqliteDecisionStore() { sqlite3_close(db_); }

DecisionStore::CreateResult SqliteDecisionStore::create(const StoredDecision& d, std::string& error) {
  std::lock_guard lock(mutex_);
  run(db_, "BEGIN IMMEDIATE", {});
  int rc = run(db_,
               "INSERT INTO decisions (id, meeting_id, eligible_role, required, deadline, created_at, has_eligible) "
               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
               {d.id, d.meeting_id, d.eligible_role},
               {d.required, d.deadline_ms, d.created_at_ms, d.has_eligible ? 1 : 0});
  if (rc == SQLITE_CONSTRAINT) {
    run(db_, "ROLLBACK", {});
    return CreateResult::kExists;
  }
  for (const auto& user : d.eligible_users) {
    if (rc != SQLITE_OK) break;
    rc = run(db_, "INSERT OR IGNORE INTO decision_eligible (decision_id, user_id) VALUES (?1, ?2)", {d.id, user});
  }
  if (rc == SQLITE_OK) rc = run(db_, "COMMIT", {});
  if (rc != SQLITE_OK) {
    error = std::string("store write failed: ") + sqlite3_errmsg(db_);
    run(db_, "ROLLBACK", {});
    return CreateResult::kFailed;
  }
  return CreateResult::kCreated;
}

DecisionStore::VoteResult SqliteDecisionStore::record_vote(std::string_view decision_id, StoredVote& v,
                                                          StoredDecision* after, std::string& error) {
  std::lock_guard lock(mutex_);
  auto failed = [&] {
    error = std::string("store write failed: ") + sqlite3_errmsg(db_);
    run(db_, "ROLLBACK", {});
    return VoteResult::kFailed;
  };
  if (run(db_, "BEGIN IMMEDIATE", {}) != SQLITE_OK) return failed();
  std::string closed = sqlite::select_text(db_, "SELECT closed FROM decisions WHERE id = ?1", {decision_id});
  if (closed.empty() || closed != "0") {
    run(db_, "ROLLBACK", {});
    return closed.empty() ? VoteResult::kNotFound : VoteResult::kClosed;
  }
  // A changed vote replaces the choice, comment and time, and keeps its first id.
  int rc = run(db_,
               "INSERT INTO decision_votes (decision_id, user_id, choice, vote_id, comment, cast_at) "
               "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (decision_id, user_id) DO UPDATE SET "
               "choice = excluded.choice, comment = excluded.comment, cast_at = excluded.cast_at",
               {decision_id, v.user_id, to_string(v.choice), v.vote_id, v.comment}, {v.cast_at_ms});
  if (rc != SQLITE_OK) return failed();
  v.vote_id = sqlite::select_text(db_, "SELECT vote_id FROM decision_votes WHERE decision_id = ?1 AND user_id = ?2",
                                  {decision_id, v.user_id});
  if (run(db_, "COMMIT", {}) != SQLITE_OK) return failed();
  if (after != nullptr) {
    if (auto found = find_locked(decision_id)) *after = std::move(*found);
  }
  return VoteResult::kRecorded;
}

DecisionStore::CloseResult SqliteDecisionStore::close(std::string_view decision_id, std::string_view result,
                                                      int64_t completed_at_ms, uint64_t /*revision*/,
                                                      std::string& error) {
  std::lock_guard lock(mutex_);
  int rc = run(db_, "UPDATE decisions SET closed = 1, result = ?2, completed_at = ?3 WHERE id = ?1 AND closed = 0",
               {decision_id, result}, {completed_at_ms});
  if (rc != SQLITE_OK) {
    error = std::string("store write failed: ") + sqlite3_errmsg(db_);
    return CloseResult::kFailed;
  }
  return sqlite3_changes(db_) == 1 ? CloseResult::kClosed : CloseResult::kAlreadyClosed;
}

std::vector<std::string> SqliteDecisionStore::overdue(int64_t now_ms) {
  std::lock_guard lock(mutex_);
  std::vector<std::string> ids;
  for (auto& d : select("SELECT id, meeting_id, required, deadline, created_at, has_eligible, eligible_role, closed, "
                        "result, completed_at FROM decisions WHERE closed = 0 AND deadline <= ?1",
                        {}, now_ms)) {
    ids.push_back(std::move(d.id));
  }
  return ids;
}

std::vector<StoredDecision> SqliteDecisionStore::select(const char* sql, std::string_view text, int64_t number) {
  std::vector<StoredDecision> out;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, sql, -1, &stmt, nullptr) != SQLITE_OK) return out;
  if (!text.empty()) sqlite3_bind_text(stmt, 1, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  else sqlite3_bind_int64(stmt, 1, number);
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    StoredDecision d;
    d.id = column_text(stmt, 0);
    d.meeting_id = column_text(stmt, 1);
    d.required = static_cast<uint32_t>(sqlite3_column_int64(stmt, 2));
    d.deadline_ms = sqlite3_column_int64(stmt, 3);
    d.created_at_ms = sqlite3_column_int64(stmt, 4);
    d.has_eligible = sqlite3_column_int64(stmt, 5) != 0;
    d.eligible_role = column_text(stmt, 6);
    d.closed = sqlite3_column_int64(stmt, 7) != 0;
    d.result = column_text(stmt, 8);
    d.completed_at_ms = sqlite3_column_int64(stmt, 9);
    out.push_back(std::move(d));
  }
  sqlite3_finalize(stmt);
  for (auto& d : out) fill_details(d);
  return out;
}

void SqliteDecisionStore::fill_details(StoredDecision& d) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT user_id FROM decision_eligible WHERE decision_id = ?1", -1, &stmt, nullptr) ==
      SQLITE_OK) {
    sqlite3_bind_text(stmt, 1, d.id.data(), static_cast<int>(d.id.size()), SQLITE_TRANSIENT);
    while (sqlite3_step(stmt) == SQLITE_ROW) d.eligible_users.push_back(column_text(stmt, 0));
    sqlite3_finalize(stmt);
  }
  if (sqlite3_prepare_v2(db_,
                         "SELECT user_id, choice, vote_id, comment, cast_at FROM decision_votes "
                         "WHERE decision_id = ?1 ORDER BY cast_at, rowid",
                         -1, &stmt, nullptr) == SQLITE_OK) {
    sqlite3_bind_text(stmt, 1, d.id.data(), static_cast<int>(d.id.size()), SQLITE_TRANSIENT);
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      StoredVote v;
      v.user_id = column_text(stmt, 0);
      parse_vote_choice(column_text(stmt, 1), v.choice);
      v.vote_id = column_text(stmt, 2);
      v.comment = column_text(stmt, 3);
      v.cast_at_ms = sqlite3_column_int64(stmt, 4);
      d.votes.push_back(std::move(v));
    }
    sqlite3_finalize(stmt);
  }
}

std::vector<StoredDecision> SqliteDecisionStore::load(int64_t closed_since_ms) {
  std::lock_guard lock(mutex_);
  return select(
      "SELECT id, meeting_id, required, deadline, created_at, has_eligible, eligible_role, closed, result, "
      "completed_at FROM decisions WHERE closed = 0 OR completed_at >= ?1 ORDER BY created_at",
      {}, closed_since_ms);
}

std::optional<StoredDecision> SqliteDecisionStore::find(std::string_view id, std::string& /*error*/) {
  std::lock_guard lock(mutex_);
  return find_locked(id);
}

std::optional<StoredDecision> SqliteDecisionStore::find_locked(std::string_view id) {
  if (id.empty()) return std::nullopt;
  auto found = select(
      "SELECT id, meeting_id, required, deadline, created_at, has_eligible, eligible_role, closed, result, "
      "completed_at FROM decisions WHERE id = ?1",
      id, 0);
  if (found.empty()) return std::nullopt;
  return std::move(found.front());
}

}  // namespace sb::store

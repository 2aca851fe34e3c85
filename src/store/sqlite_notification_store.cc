#include "store/sqlite_notification_store.h"

#include <sqlite3.h>

#include <string>

#include "store/sqlite_helpers.h"

namespace sb::store {

using sqlite::column_text;
using sqlite::has_column;
using sqlite::run;

std::unique_ptr<SqliteNotificationStore> SqliteNotificationStore::open(const std::string& path, std::string& error) {
  const char* schema =
      "CREATE TABLE IF NOT EXISTS notifications ("
      "  id TEXT NOT NULL, user_id TEXT NOT NULL, type TEXT NOT NULL, payload TEXT NOT NULL,"
      "  created_at INTEGER NOT NULL, read_at INTEGER, expires_at INTEGER NOT NULL DEFAULT 0,"
      "  PRIMARY KEY (user_id, id));"
      "CREATE INDEX IF NOT EXISTS notifications_unread ON notifications (user_id, read_at, created_at);";
  sqlite3* db = sqlite::open_database(path, schema, error);
  if (db == nullptr) return nullptr;
  // Stores written before notifications could expire gain the column (0: never).
  if (!has_column(db, "notifications", "expires_at") &&
      run(db, "ALTER TABLE notifications ADD COLUMN expires_at INTEGER NOT NULL DEFAULT 0", {}) != SQLITE_OK) {
    error = std::string("cannot upgrade the store ") + path + ": " + sqlite3_errmsg(db);
    sqlite3_close(db);
    return nullptr;
  }
  return std::unique_ptr<SqliteNotificationStore>(new SqliteNotificationStore(db));
}

SqliteNotificationStore::~SqliteNotificationStore() { sqlite3_close(db_); }

bool SqliteNotificationStore::add(const StoredNotification& n, std::string& error) {
  std::lock_guard lock(mutex_);
  int rc = run(db_,
               "INSERT OR REPLACE INTO notifications (id, user_id, type, payload, created_at, read_at, expires_at) "
               "VALUES (?1, ?2, ?3, ?4, ?5, NULL, ?6)",
               {n.id, n.user_id, n.type, n.payload}, {n.created_at_ms, n.expires_at_ms});
  if (rc != SQLITE_OK) {
    error = std::string("store write failed: ") + sqlite3_errmsg(db_);
    return false;
  }
  return true;
}

std::optional<std::vector<StoredNotification>> SqliteNotificationStore::unread(std::string_view user_id,
                                                                               int64_t now_ms) {
  std::lock_guard lock(mutex_);
  std::vector<StoredNotification> out;
  run(db_, "DELETE FROM notifications WHERE user_id = ?1 AND expires_at > 0 AND expires_at <= ?2", {user_id},
      {now_ms});
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_,
                         "SELECT id, user_id, type, payload, created_at, expires_at FROM notifications "
                         "WHERE user_id = ?1 AND read_at IS NULL ORDER BY created_at, rowid",
                         -1, &stmt, nullptr) != SQLITE_OK) {
    return std::nullopt;
  }
  sqlite3_bind_text(stmt, 1, user_id.data(), static_cast<int>(user_id.size()), SQLITE_TRANSIENT);
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    out.push_back(StoredNotification{column_text(stmt, 0), column_text(stmt, 1), column_text(stmt, 2),
                                     column_text(stmt, 3), sqlite3_column_int64(stmt, 4),
                                     sqlite3_column_int64(stmt, 5)});
  }
  sqlite3_finalize(stmt);
  if (rc != SQLITE_DONE) return std::nullopt;  // a partial list would look complete
  return out;
}

int SqliteNotificationStore::mark_read(std::string_view user_id, std::string_view id) {
  std::lock_guard lock(mutex_);
  int rc = id.empty() ? run(db_,
                            "UPDATE notifications SET read_at = strftime('%s','now') * 1000 "
                            "WHERE user_id = ?1 AND read_at IS NULL",
                            {user_id})
                      : run(db_,
                            "UPDATE notifications SET read_at = strftime('%s','now') * 1000 "
                            "WHERE user_id = ?1 AND id = ?2 AND read_at IS NULL",
                            {user_id, id});
  return rc == SQLITE_OK ? sqlite3_changes(db_) : kUnavailable;
}

}  // namespace sb::store

#include "store/notification_store.h"

#include <sqlite3.h>

#include <optional>

namespace sb::store {

namespace {

// Binds the text parameters ?1..?n, and `number` as ?n+1 when given, then steps the
// statement to completion. Returns the sqlite result.
int run(sqlite3* db, const char* sql, std::initializer_list<std::string_view> texts,
        std::optional<int64_t> number = std::nullopt) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr);
  if (rc != SQLITE_OK) return rc;
  int i = 1;
  for (std::string_view t : texts) sqlite3_bind_text(stmt, i++, t.data(), static_cast<int>(t.size()), SQLITE_TRANSIENT);
  if (number) sqlite3_bind_int64(stmt, i, *number);
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
  }
  sqlite3_finalize(stmt);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

std::string column_text(sqlite3_stmt* stmt, int column) {
  const unsigned char* text = sqlite3_column_text(stmt, column);
  return text == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(text));
}

}  // namespace

std::unique_ptr<NotificationStore> NotificationStore::open(const std::string& path, std::string& error) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    error = "cannot open the store " + path + ": " + (db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    return nullptr;
  }
  sqlite3_busy_timeout(db, 2000);
  const char* schema =
      "PRAGMA journal_mode=WAL;"
      "PRAGMA synchronous=NORMAL;"
      "CREATE TABLE IF NOT EXISTS notifications ("
      "  id TEXT NOT NULL, user_id TEXT NOT NULL, type TEXT NOT NULL, payload TEXT NOT NULL,"
      "  created_at INTEGER NOT NULL, read_at INTEGER, PRIMARY KEY (user_id, id));"
      "CREATE INDEX IF NOT EXISTS notifications_unread ON notifications (user_id, read_at, created_at);";
  char* message = nullptr;
  if (sqlite3_exec(db, schema, nullptr, nullptr, &message) != SQLITE_OK) {
    error = std::string("cannot prepare the store: ") + (message ? message : "");
    sqlite3_free(message);
    sqlite3_close(db);
    return nullptr;
  }
  return std::unique_ptr<NotificationStore>(new NotificationStore(db));
}

NotificationStore::~NotificationStore() { sqlite3_close(db_); }

bool NotificationStore::add(const StoredNotification& n, std::string& error) {
  std::lock_guard lock(mutex_);
  int rc = run(db_,
               "INSERT OR REPLACE INTO notifications (id, user_id, type, payload, created_at, read_at) "
               "VALUES (?1, ?2, ?3, ?4, ?5, NULL)",
               {n.id, n.user_id, n.type, n.payload}, n.created_at_ms);
  if (rc != SQLITE_OK) {
    error = std::string("store write failed: ") + sqlite3_errmsg(db_);
    return false;
  }
  return true;
}

std::vector<StoredNotification> NotificationStore::unread(std::string_view user_id) {
  std::lock_guard lock(mutex_);
  std::vector<StoredNotification> out;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_,
                         "SELECT id, user_id, type, payload, created_at FROM notifications "
                         "WHERE user_id = ?1 AND read_at IS NULL ORDER BY created_at, rowid",
                         -1, &stmt, nullptr) != SQLITE_OK) {
    return out;
  }
  sqlite3_bind_text(stmt, 1, user_id.data(), static_cast<int>(user_id.size()), SQLITE_TRANSIENT);
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    out.push_back(StoredNotification{column_text(stmt, 0), column_text(stmt, 1), column_text(stmt, 2),
                                     column_text(stmt, 3), sqlite3_column_int64(stmt, 4)});
  }
  sqlite3_finalize(stmt);
  return out;
}

int NotificationStore::mark_read(std::string_view user_id, std::string_view id) {
  std::lock_guard lock(mutex_);
  int rc = id.empty() ? run(db_,
                            "UPDATE notifications SET read_at = strftime('%s','now') * 1000 "
                            "WHERE user_id = ?1 AND read_at IS NULL",
                            {user_id})
                      : run(db_,
                            "UPDATE notifications SET read_at = strftime('%s','now') * 1000 "
                            "WHERE user_id = ?1 AND id = ?2 AND read_at IS NULL",
                            {user_id, id});
  return rc == SQLITE_OK ? sqlite3_changes(db_) : 0;
}

}  // namespace sb::store

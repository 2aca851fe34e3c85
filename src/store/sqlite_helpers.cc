#include "store/sqlite_helpers.h"

#include <sqlite3.h>

namespace sb::store::sqlite {

sqlite3* open_database(const std::string& path, const char* schema, std::string& error) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    error = "cannot open the store " + path + ": " + (db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    return nullptr;
  }
  // Several stores may share one file, each with its own connection: writers wait for
  // each other rather than fail.
  sqlite3_busy_timeout(db, 5000);
  char* message = nullptr;
  std::string prologue = std::string("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;") + schema;
  if (sqlite3_exec(db, prologue.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    error = std::string("cannot prepare the store ") + path + ": " + (message ? message : "");
    sqlite3_free(message);
    sqlite3_close(db);
    return nullptr;
  }
  return db;
}

int run(sqlite3* db, const char* sql, std::initializer_list<std::string_view> texts,
        std::initializer_list<int64_t> numbers) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr);
  if (rc != SQLITE_OK) return rc;
  int i = 1;
  for (std::string_view t : texts) sqlite3_bind_text(stmt, i++, t.data(), static_cast<int>(t.size()), SQLITE_TRANSIENT);
  for (int64_t n : numbers) sqlite3_bind_int64(stmt, i++, n);
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
  }
  sqlite3_finalize(stmt);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

std::string select_text(sqlite3* db, const char* sql, std::initializer_list<std::string_view> texts) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) != SQLITE_OK) return {};
  int i = 1;
  for (std::string_view t : texts) sqlite3_bind_text(stmt, i++, t.data(), static_cast<int>(t.size()), SQLITE_TRANSIENT);
  std::string out = sqlite3_step(stmt) == SQLITE_ROW ? column_text(stmt, 0) : std::string();
  sqlite3_finalize(stmt);
  return out;
}

std::string column_text(sqlite3_stmt* stmt, int column) {
  const unsigned char* text = sqlite3_column_text(stmt, column);
  return text == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(text));
}

bool has_column(sqlite3* db, const char* table, std::string_view column) {
  sqlite3_stmt* stmt = nullptr;
  std::string sql = std::string("PRAGMA table_info(") + table + ")";
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) return false;
  bool found = false;
  while (sqlite3_step(stmt) == SQLITE_ROW) found = found || column_text(stmt, 1) == column;
  sqlite3_finalize(stmt);
  return found;
}

}  // namespace sb::store::sqlite

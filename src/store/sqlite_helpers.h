#pragma once
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

// Small helpers shared by the SQLite stores.
namespace sb::store::sqlite {

// Opens (creating) the database at path in WAL mode with a busy timeout, then runs schema.
// nullptr with error set when it cannot.
sqlite3* open_database(const std::string& path, const char* schema, std::string& error);

// Binds the text parameters ?1..?n, then the numbers as ?n+1..., then steps the statement
// to completion. Returns the SQLite result code (SQLITE_OK when done).
int run(sqlite3* db, const char* sql, std::initializer_list<std::string_view> texts,
        std::initializer_list<int64_t> numbers = {});

// The first column of the first row as text (texts bound as ?1..?n); empty when there is
// no row (or NULL).
std::string select_text(sqlite3* db, const char* sql, std::initializer_list<std::string_view> texts);

// A column's text, empty for NULL.
std::string column_text(sqlite3_stmt* stmt, int column);

// Whether table has a column of that name (for adding columns to older stores).
bool has_column(sqlite3* db, const char* table, std::string_view column);

}  // namespace sb::store::sqlite

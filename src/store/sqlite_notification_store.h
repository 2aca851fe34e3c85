#pragma once
#include <memory>
#include <mutex>
#include <string>

#include "store/notification_store.h"

struct sqlite3;

namespace sb::store {

// The notification store of one node: a table in the embedded SQLite file.
class SqliteNotificationStore final : public NotificationStore {
 public:
  // Opens (creating if needed) the database at path (":memory:" for tests). nullptr and
  // error set when it cannot.
  static std::unique_ptr<SqliteNotificationStore> open(const std::string& path, std::string& error);
  ~SqliteNotificationStore() override;

  bool add(const StoredNotification& n, std::string& error) override;
  std::optional<std::vector<StoredNotification>> unread(std::string_view user_id, int64_t now_ms) override;
  int mark_read(std::string_view user_id, std::string_view id) override;

 private:
  explicit SqliteNotificationStore(sqlite3* db) : db_(db) {}
  std::mutex mutex_;
  sqlite3* db_;
};

}  // namespace sb::store

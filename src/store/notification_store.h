#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;

namespace sb::store {

// A stored notification: the payload is the JSON object the user receives.
struct StoredNotification {
  std::string id;
  std::string user_id;
  std::string type;
  std::string payload;
  int64_t created_at_ms = 0;
  int64_t expires_at_ms = 0;  // 0: never; after it the notification is dropped unread
};

// Per-user notifications kept in SQLite until the user marks them read, so that a user
// who was offline gets them on the next connect and nothing is lost on a restart. Every
// call blocks on disk: run them on the work pool, never on an event loop. Thread-safe.
class NotificationStore {
 public:
  // Opens (creating if needed) the database at path (":memory:" for tests). nullptr and
  // error set when it cannot.
  static std::unique_ptr<NotificationStore> open(const std::string& path, std::string& error);
  ~NotificationStore();

  // Stores a notification; false (with error) if the write failed. Durable on return.
  bool add(const StoredNotification& n, std::string& error);
  // Unread notifications of a user that have not expired by now_ms, oldest first. Expired
  // ones are deleted.
  std::vector<StoredNotification> unread(std::string_view user_id, int64_t now_ms);
  // Marks one (or, with an empty id, every) unread notification of the user read; returns
  // how many changed.
  int mark_read(std::string_view user_id, std::string_view id);

 private:
  explicit NotificationStore(sqlite3* db) : db_(db) {}
  std::mutex mutex_;
  sqlite3* db_;
};

}  // namespace sb::store

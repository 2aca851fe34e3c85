#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

// Per-user notifications kept until the user marks them read, so that a user who was
// offline gets them on the next connect, on whichever node, and nothing is lost on a
// restart. SQLite on one node, Redis in a cluster. Every call blocks on storage: run them on
// the work pool, never on an event loop. Implementations are thread-safe.
class NotificationStore {
 public:
  virtual ~NotificationStore() = default;
  // Stores a notification (replacing one of the same user and id); false (with error) if
  // the write failed. Durable on return.
  virtual bool add(const StoredNotification& n, std::string& error) = 0;
  // Unread notifications of a user that have not expired by now_ms, oldest first. Expired
  // ones are deleted. Nothing when the store cannot be read now (Redis unreachable): not the
  // same as none, the caller asks again later.
  virtual std::optional<std::vector<StoredNotification>> unread(std::string_view user_id, int64_t now_ms) = 0;
  // Marks one (or, with an empty id, every) unread notification of the user read; returns
  // how many changed, so that of two acknowledgements of one notification (from two tabs,
  // on two nodes) exactly one counts. kUnavailable when the store cannot be written now.
  static constexpr int kUnavailable = -1;
  virtual int mark_read(std::string_view user_id, std::string_view id) = 0;
};

}  // namespace sb::store

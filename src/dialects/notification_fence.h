#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hub/publication.h"
#include "store/notification_store.h"

namespace sb::dialects {

// Keeps a user's notifications from coming twice around the read of the stored ones. The
// HTTP API writes the store before it publishes, so a notification sent while a connection
// reads the store can be delivered live while the read is pending (the read must then
// leave it out), or be handed out by the read while its live copy is still on its way
// (that copy must then be skipped for a grace time). A session holds one only around the
// read, so idle connections do not pay for it.
class NotificationFence {
 public:
  explicit NotificationFence(std::string user_id) : user_id_(std::move(user_id)) {}

  // Whether a live publication may go out now. The user's notifications (a notification
  // type on `user:<id>`, with an id in its data) are noted while the read is pending, and
  // skipped after it when the read handed them out. Everything else passes.
  bool admit(const hub::Publication& p);
  // The read answered: removes from `unread` what already went out live, and fences the
  // rest until until_ms.
  void settle(std::vector<store::StoredNotification>& unread, uint64_t until_ms);
  // Whether the fence has nothing left to do at now_ms (settled and past its grace time).
  bool expired(uint64_t now_ms) const { return !pending_ && now_ms >= until_ms_; }

 private:
  bool pending_ = true;
  std::string user_id_;
  std::vector<std::string> ids_;  // pending: delivered live; settled: handed out by the read
  uint64_t until_ms_ = 0;
};

}  // namespace sb::dialects

#pragma once
#include <memory>
#include <string>
#include <vector>

#include "cluster/redis_client.h"
#include "store/notification_store.h"

namespace sb::cluster {

// Notifications of a cluster, kept in Redis so that one stored through any node is handed
// out by whichever node the user connects to, and acknowledged once. Per user (on the
// instance the user id hashes to): `notif:r:<user>`, a hash of id -> record;
// `notif:o:<user>`, the ids in the order they were stored; `notif:x:<user>`, a sorted set of
// the expiring ids by their deadline. The kind comes before the user id, so that no user id
// (say "o:alice") names another user's key. Each call is one Lua script, so two nodes never see half of a change.
class RedisNotificationStore final : public store::NotificationStore {
 public:
  // clients: one per instance (shared with the other stores), indexed like the broker's.
  RedisNotificationStore(std::vector<std::shared_ptr<RedisClient>> clients, std::string prefix);

  bool add(const store::StoredNotification& n, std::string& error) override;
  std::optional<std::vector<store::StoredNotification>> unread(std::string_view user_id, int64_t now_ms) override;
  int mark_read(std::string_view user_id, std::string_view id) override;

  // The record kept per notification (type, payload, times), and back; false when malformed.
  static std::string encode(const store::StoredNotification& n);
  static bool decode(std::string_view record, std::string_view id, std::string_view user_id,
                     store::StoredNotification& out);

 private:
  RedisClient& client_for(std::string_view user_id);
  std::vector<std::string> keys(std::string_view user_id) const;

  std::vector<std::shared_ptr<RedisClient>> clients_;
  std::string prefix_;
};

}  // namespace sb::cluster

#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sb::hub {

// What the node knows about one open dialect connection, for the hub API and limits.
struct ConnectionInfo {
  std::string connection_id;
  std::string user_id;         // empty when anonymous
  std::string_view dialect;    // a dialect's static name
  uint64_t connected_at_ms = 0;
};

// All open dialect connections of the node, across loops. Updated on connect, identity
// change and disconnect only (never per message), so a mutex is fine.
class ConnectionRegistry {
 public:
  // Adds a connection; returns how many connections its user now has (0 if anonymous).
  uint32_t add(ConnectionInfo info);
  // Adds a connection only if its user holds fewer than max_per_user (0 = no limit);
  // returns false (nothing added) otherwise.
  bool try_add(ConnectionInfo info, uint32_t max_per_user);
  // Changes the user of a connection (after an `auth` message); false if the new user is
  // at max_per_user already (the connection then keeps its old user).
  bool set_user(std::string_view connection_id, std::string user_id, uint32_t max_per_user);
  void remove(std::string_view connection_id);
  std::vector<ConnectionInfo> of_user(std::string_view user_id) const;
  size_t connection_count() const;
  size_t user_count() const;

 private:
  void link_user(ConnectionInfo* info);
  void unlink_user(ConnectionInfo* info);

  // Keys view the connection_id inside the owned record, so each id is stored once.
  mutable std::mutex mutex_;
  std::unordered_map<std::string_view, std::unique_ptr<ConnectionInfo>> by_id_;
  std::unordered_map<std::string, std::vector<ConnectionInfo*>> by_user_;
};

}  // namespace sb::hub

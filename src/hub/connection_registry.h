#pragma once
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sb::hub {

// What the node knows about one open dialect connection, for the hub API and limits. The
// record lives inside the connection's session; the registry only points at it.
struct ConnectionInfo {
  std::string connection_id;
  std::string user_id;         // empty when anonymous; changed only through the registry
  std::string_view dialect;    // a dialect's static name
  uint64_t connected_at_ms = 0;
};

// All open dialect connections of the node, across loops, indexed by user. Updated on
// connect, identity change and disconnect only (never per message), so a mutex is fine.
class ConnectionRegistry {
 public:
  // Registers info (which must stay valid until remove()) unless its user already holds
  // max_per_user connections (0 = no limit). Returns whether it was registered.
  bool try_add(ConnectionInfo* info, uint32_t max_per_user);
  // Moves a registered connection to another user (after an `auth` message); false, and
  // no change, when that user is at max_per_user.
  bool set_user(ConnectionInfo* info, std::string user_id, uint32_t max_per_user);
  void remove(ConnectionInfo* info);
  // Copies of the records of one user's connections.
  std::vector<ConnectionInfo> of_user(std::string_view user_id) const;
  size_t connection_count() const;
  size_t user_count() const;

 private:
  void link(ConnectionInfo* info);
  void unlink(ConnectionInfo* info);

  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::vector<ConnectionInfo*>> by_user_;
  size_t connections_ = 0;
};

}  // namespace sb::hub

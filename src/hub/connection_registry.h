#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "hub/cluster_check.h"
#include "hub/connection_id.h"
#include "hub/pointer_table.h"

namespace sb::hub {

// What the node knows about one open dialect connection, for the hub API and limits. The
// record lives inside the connection's session; the registry only points at it.
struct ConnectionInfo {
  ConnectionId connection_id;
  std::string user_id;         // empty when anonymous; changed only through the registry
  const char* dialect = "";   // a dialect's static name (a pointer: 8 bytes less than a view)
  uint64_t connected_at_ms = 0;
  // The same user's next connection on this node: the registry's own link, meaningless in a
  // copy.
  ConnectionInfo* next_of_user = nullptr;
};

// A connection as the cluster knows it (on any node), for the hub API.
struct ConnectionRecord {
  std::string connection_id;
  std::string user_id;
  std::string dialect;
  uint64_t connected_at_ms = 0;
};

// Counts of the whole cluster, for the hub API's stats.
struct ClusterStats {
  uint64_t connections = 0;
  uint64_t users = 0;               // distinct authenticated users
  uint64_t messages_per_second = 0;
  std::map<std::string, uint64_t> rooms;  // room -> members
};

// The cluster-wide side of the registry (a cluster store such as Redis): each node reports
// its named users' connections as they come and go, and asks for counts and lists that
// cover every node.
class RegistryCluster {
 public:
  using CountDone = ClusterCheck::CountDone;
  virtual ~RegistryCluster() = default;
  // A named user's connection opened here (or became that user's). done (optional) runs on
  // loop `origin` with the user's connections on the whole cluster at that moment, this one
  // included. Called in order, from any thread, with the registry's lock held.
  virtual void added(const ConnectionInfo& info, size_t origin, CountDone done) = 0;
  virtual void removed(const ConnectionInfo& info) = 0;
  // A user's connections on every node; done runs on loop `origin`.
  virtual void of_user(std::string_view user_id, size_t origin,
                       std::function<void(std::vector<ConnectionRecord>)> done) = 0;
  // The cluster's totals; done runs on loop `origin`.
  virtual void stats(size_t origin, std::function<void(ClusterStats)> done) = 0;
};

// All open dialect connections of the node, across loops, indexed by user. Updated on
// connect, identity change and disconnect only (never per message), so a mutex is fine.
// With a cluster, named users' connections are reported to it as well.
class ConnectionRegistry {
 public:
  // The cluster store, when clustered (not owned; set before loops run).
  void set_cluster(RegistryCluster* cluster) { cluster_ = cluster; }
  RegistryCluster* cluster() const { return cluster_; }

  // Registers info (which must stay valid until remove()) unless its user already holds
  // max_per_user connections on this node (0 = no limit). Returns whether it was
  // registered; then check.done (when given) runs with the cluster-wide count, which the
  // caller compares with its limit (another node may hold the user's other connections).
  bool try_add(ConnectionInfo* info, uint32_t max_per_user, ClusterCheck check = {});
  // Moves a registered connection to another user (after an `auth` message); false, and
  // no change, when that user is at max_per_user here. check as for try_add().
  bool set_user(ConnectionInfo* info, std::string user_id, uint32_t max_per_user, ClusterCheck check = {});
  void remove(ConnectionInfo* info);
  // Copies of the records of one user's connections.
  std::vector<ConnectionInfo> of_user(std::string_view user_id) const;
  size_t connection_count() const;
  size_t user_count() const;

 private:
  // All with the lock held; link answers check (now, or through the cluster).
  void link(ConnectionInfo* info, ClusterCheck& check);
  void unlink(ConnectionInfo* info);
  uint32_t count_of(std::string_view user_id) const;

  struct UserOf {
    std::string_view operator()(const ConnectionInfo& info) const { return info.user_id; }
  };
  mutable std::mutex mutex_;
  // Each named user's first connection, the others chained from it through next_of_user: a
  // user costs a slot here rather than a map node and a list.
  PointerTable<ConnectionInfo, UserOf> by_user_;
  size_t connections_ = 0;
  RegistryCluster* cluster_ = nullptr;
};

}  // namespace sb::hub

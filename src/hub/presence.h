#pragma once
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sb::hub {

// One user present in a channel.
struct PresenceMember {
  std::string user_id;
  std::string name;
  std::string avatar;
  uint32_t connections = 0;   // a user with two tabs is one member with two connections
  uint64_t joined_at_ms = 0;
  uint64_t last_seen_ms = 0;
  std::string status;    // the user's own word (set_status), empty until they said one
  std::string activity;  // JSON text of what the user said they are doing, or empty
  uint64_t status_ms = 0;  // when the status was said (0: never)
};

// The cluster-wide side of presence (a cluster store such as Redis): each node reports its
// own view of every member, and hears whether that made the user present on the cluster for
// the first time or absent from all of it. Lists cover every node.
class PresenceCluster {
 public:
  enum class Change : uint8_t { kNone, kJoined, kLeft };
  using ChangeDone = std::function<void(Change)>;
  using MembersDone = std::function<void(std::vector<PresenceMember>)>;
  virtual ~PresenceCluster() = default;
  // This node now has `member.connections` connections of the user in the channel (0: none
  // left here), with the member's details. Called in order, from any thread, with the
  // tracker's lock held (so it must only queue). done runs on loop `origin`.
  virtual void update(const std::string& channel, const PresenceMember& member, size_t origin, ChangeDone done) = 0;
  // Members on every node, merged per user; done runs on loop `origin`.
  virtual void members(std::string_view channel, size_t origin, MembersDone done) = 0;
};

// Who is in which channel, node-wide, for channels that track presence (configured
// patterns). join() and leave() say when a user's first connection arrives and the last
// one goes, which is when join and leave events are due. Called on subscribe and
// unsubscribe only, so one mutex serves all loops. With a cluster, the node-wide view is
// reported to it and the cluster decides when events are due and who is listed.
class PresenceTracker {
 public:
  // The cluster store, when clustered (not owned; set before loops run).
  void set_cluster(PresenceCluster* cluster) { cluster_ = cluster; }
  // Channel patterns (hub pattern syntax) whose channels track presence.
  void set_patterns(std::vector<std::string> patterns) { patterns_ = std::move(patterns); }
  bool tracks(std::string_view channel) const;
  // Adds one connection of a user; true when it is the user's first in the channel.
  bool join(std::string_view channel, const PresenceMember& who, uint64_t now_ms);
  // Removes one connection of a user; true when it was the user's last in the channel.
  bool leave(std::string_view channel, std::string_view user_id, uint64_t now_ms);
  // Refreshes last_seen of a present user (activity such as typing or cursor moves).
  void touch(std::string_view channel, std::string_view user_id, uint64_t now_ms);
  // Records a user's status ("online", "away"...) and activity (JSON text, may be empty)
  // for every channel they are present in; members() reports it. False (nothing kept) when
  // the user is present in no channel: the status is forgotten with the user's last leave.
  bool set_status(std::string_view user_id, std::string status, std::string activity, uint64_t now_ms);
  std::vector<PresenceMember> members(std::string_view channel) const;

  // The same as seen by the whole cluster, answered on loop `origin` (at once, before
  // returning, without a cluster): joined(true) when the user's first connection anywhere
  // arrived, left(true) when its last one anywhere went, and the members of every node.
  void join(std::string_view channel, const PresenceMember& who, uint64_t now_ms, size_t origin,
            std::function<void(bool joined)> done);
  void leave(std::string_view channel, std::string_view user_id, uint64_t now_ms, size_t origin,
             std::function<void(bool left)> done);
  void members(std::string_view channel, size_t origin, PresenceCluster::MembersDone done) const;

 private:
  bool join_locked(std::string_view channel, const PresenceMember& who, uint64_t now_ms);
  // after: the member as it stands after the leave (0 connections when gone from the node).
  bool leave_locked(std::string_view channel, std::string_view user_id, uint64_t now_ms, PresenceMember* after);
  // The node's record of a user in a channel, with the user's status (lock held).
  PresenceMember snapshot(const PresenceMember& member) const;
  // Reports every channel a user is present in to the cluster (lock held).
  void report_user(std::string_view user_id);

  std::vector<std::string> patterns_;
  mutable std::mutex mutex_;
  // channel -> user id -> member
  std::unordered_map<std::string, std::unordered_map<std::string, PresenceMember>> channels_;
  struct UserState {
    // The channels the user is present in (keys of channels_, stable while present), so
    // that a status change reports those, not a scan of every channel of the node.
    std::vector<const std::string*> channels;
    std::string status;
    std::string activity;
    uint64_t updated_ms = 0;
  };
  std::unordered_map<std::string, UserState> users_;
  PresenceCluster* cluster_ = nullptr;
};

}  // namespace sb::hub

#pragma once
#include <cstdint>
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
};

// Who is in which channel, node-wide, for channels that track presence (configured
// patterns). join() and leave() say when a user's first connection arrives and the last
// one goes, which is when join and leave events are due. Called on subscribe and
// unsubscribe only, so one mutex serves all loops.
class PresenceTracker {
 public:
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

 private:
  std::vector<std::string> patterns_;
  mutable std::mutex mutex_;
  // channel -> user id -> member
  std::unordered_map<std::string, std::unordered_map<std::string, PresenceMember>> channels_;
  struct UserState {
    uint32_t channels = 0;  // channels the user is present in
    std::string status;
    std::string activity;
    uint64_t updated_ms = 0;
  };
  std::unordered_map<std::string, UserState> users_;
};

}  // namespace sb::hub

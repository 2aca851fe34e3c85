#pragma once
#include <cstdint>
#include <string>
#include <string_view>

// Who is in each meeting and where its agenda stands, behind one interface: in memory on one
// node (meetings end with their last participant, nothing outlives a restart), in Redis,
// shared by every node, in a cluster. A user counts once however many connections (tabs,
// nodes) they have in a meeting.
namespace sb::store {

struct MeetingJoin {
  bool ok = true;      // false: the store could not be reached (nothing changed)
  bool first = false;  // the user's first connection in the meeting, anywhere
  uint32_t total = 0;  // users in the meeting now
  std::string agenda;  // the meeting's last agenda data (JSON), empty when none
};

struct MeetingLeave {
  bool known = false;  // the user had a connection in the meeting (through this node)
  bool last = false;   // it was the user's last one, anywhere
  uint32_t total = 0;  // users in the meeting now
  std::string name;    // the user's name as they joined
};

class MeetingStore {
 public:
  virtual ~MeetingStore() = default;
  // One more connection of `user` (shown as `name`) in the meeting, held by this node.
  virtual MeetingJoin join(std::string_view meeting_id, std::string_view user, std::string_view name) = 0;
  // One connection fewer (a leave or a dropped connection). When the meeting has nobody
  // left it ends, its agenda with it.
  virtual MeetingLeave leave(std::string_view meeting_id, std::string_view user) = 0;
  // Keeps data as the meeting's agenda while it has participants; answers how many it has.
  virtual uint32_t set_agenda(std::string_view meeting_id, std::string_view data) = 0;
  // Whether other nodes share the store: its calls then wait on the network, so they are
  // made off the event loops.
  virtual bool shared() const { return false; }
};

}  // namespace sb::store

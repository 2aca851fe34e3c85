#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "auth/identity.h"
#include "hub/hub.h"
#include "store/meeting_store.h"
#include "transport/loop_group.h"
#include "transport/work_pool.h"

namespace sb::features::meetings {

// Who joins a meeting, as the others see them.
struct Participant {
  std::string user_id;
  std::string name;
  std::string role;  // participant, observer, presenter or host
};

// Meetings: rooms with participants, chat and an agenda the backend drives. A meeting is
// the channel `meeting:{id}` and exists from its first join. Who is in it and its agenda
// are kept in a MeetingStore. With the memory store (one node) each meeting has a home loop
// (chosen by its id) where joins, leaves and agenda changes are applied in order and its
// events published; with a shared store (a cluster) they are applied by one writer thread
// per node, in order, and the store decides once for the whole cluster whether a user
// joined or left. Either way every participant sees the counts change in the order they
// changed. Events (JSON data as the events dialect shows it, seed 003):
// meeting.participant.joined, meeting.participant.left, meeting.chat.message,
// meeting.agenda.update. Every method is called on loop `from` (a hub shard index); the
// callbacks run back on that loop.
class MeetingService {
 public:
  // store: outlives the service.
  MeetingService(hub::Hub& hub, const transport::LoopGroup& loops, store::MeetingStore& store);

  // The channel of a meeting. Meeting ids are single channel segments ("123", "meeting_9").
  static std::string channel_of(std::string_view meeting_id);
  // Whether text can be a meeting id (1..128 bytes, no separator, whitespace or wildcard).
  static bool is_valid_id(std::string_view meeting_id);

  // Adds one connection of a participant. The user's first connection publishes
  // meeting.participant.joined (totalParticipants counts users, not connections). done gets
  // the meeting's current agenda data (empty when none), for the newcomer. The joined event
  // names connection_id as its sender and carries correlation_id for that connection only.
  void join(size_t from, std::string meeting_id, Participant who, std::string connection_id,
            std::string correlation_id, std::function<void(std::string agenda_data)> done);
  // Removes one connection of a user (a leave or a dropped connection). When it was the
  // user's last, meeting.participant.left is published. done (may be empty) gets the left
  // event's data for the leaving connection itself (which answers its own request with it).
  void leave(size_t from, std::string meeting_id, std::string user_id, std::function<void(std::string left_data)> done);
  // Publishes a chat message from `who` with a server-assigned messageId, returned.
  // reply_to_json: a JSON string or null. correlation_id goes to connection_id only.
  std::string chat(size_t from, std::string_view meeting_id, const auth::Identity& who,
                   std::string_view connection_id, std::string_view text, std::string_view reply_to_json,
                   std::string_view correlation_id);
  // The backend moves the agenda: publishes meeting.agenda.update with agenda_fields (the
  // members of its data object after meetingId, already JSON) and keeps it for those who
  // join later. done gets the number of participants.
  void update_agenda(size_t from, std::string meeting_id, std::string agenda_fields,
                     std::function<void(size_t participants)> done);
  // A user left the meeting because the node holding their connections died (a cluster's
  // reaper found it): meeting.participant.left, from any thread. users: who is still in it.
  void departed(const std::string& meeting_id, const std::string& user_id, const std::string& name, uint32_t users);

 private:
  // origin: the loop publishing, or hub::Broker::kNoOrigin off the loops.
  void publish(size_t origin, std::string channel, std::string type, std::string data, std::string_view user_id,
               std::string_view user_name, std::string_view connection_id, std::string_view correlation_id);
  // Runs fn where the meeting's changes are applied in order: its home loop with the memory
  // store (fn gets that loop), the writer thread with a shared one (fn gets kNoOrigin).
  void in_order(std::string_view meeting_id, std::function<void(size_t origin)> fn);
  // Runs fn on loop `from` (a reply).
  void reply(size_t from, std::function<void()> fn) { loops_.post(from, std::move(fn)); }
  uint64_t wall_ms(size_t origin) const;

  hub::Hub& hub_;
  const transport::LoopGroup& loops_;
  store::MeetingStore& store_;
  transport::WorkPool writer_{1};  // a shared store's calls, one at a time, in order
};

}  // namespace sb::features::meetings

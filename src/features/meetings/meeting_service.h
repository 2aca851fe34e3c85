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
#include "transport/loop_group.h"

namespace sb::features::meetings {

// Who joins a meeting, as the others see them.
struct Participant {
  std::string user_id;
  std::string name;
  std::string role;  // participant, observer, presenter or host
};

// Meetings: rooms with participants, chat and an agenda the backend drives. A meeting is
// the channel `meeting:{id}` and exists from its first join. Each meeting lives on one
// loop (its home, chosen by its id): joins, leaves and agenda changes are applied there in
// order and its events published from there, so every participant sees the counts change
// in the order they changed. Events (JSON data as the events dialect shows it, seed 003):
// meeting.participant.joined, meeting.participant.left, meeting.chat.message,
// meeting.agenda.update. Every method is called on loop `from` (a hub shard index); the
// callbacks run back on that loop.
class MeetingService {
 public:
  MeetingService(hub::Hub& hub, const transport::LoopGroup& loops);

  // The channel of a meeting. Meeting ids are single channel segments ("123", "meeting_9").
  static std::string channel_of(std::string_view meeting_id);
  // Whether text can be a meeting id (1..128 bytes, no separator, whitespace or wildcard).
  static bool is_valid_id(std::string_view meeting_id);

  // Adds one connection of a participant. The user's first connection publishes
  // meeting.participant.joined (totalParticipants counts users, not connections). done gets
  // the meeting's current agenda data (empty when none), for the newcomer.
  void join(size_t from, std::string meeting_id, Participant who, std::string correlation_id,
            std::function<void(std::string agenda_data)> done);
  // Removes one connection of a user (a leave or a dropped connection). When it was the
  // user's last, meeting.participant.left is published. done (may be empty) gets the left
  // event's data for the leaving connection itself.
  void leave(size_t from, std::string meeting_id, std::string user_id, std::string correlation_id,
             std::function<void(std::string left_data)> done);
  // Publishes a chat message from `who` with a server-assigned messageId, returned.
  // reply_to_json: a JSON string or null.
  std::string chat(size_t from, std::string_view meeting_id, const auth::Identity& who,
                   std::string_view connection_id, std::string_view text, std::string_view reply_to_json,
                   std::string_view correlation_id);
  // The backend moves the agenda: publishes meeting.agenda.update with agenda_fields (the
  // members of its data object after meetingId, already JSON) and keeps it for those who
  // join later. done gets the number of participants.
  void update_agenda(size_t from, std::string meeting_id, std::string agenda_fields,
                     std::function<void(size_t participants)> done);

 private:
  struct Member {
    Participant who;
    uint64_t joined_at_ms = 0;
    uint32_t connections = 0;
  };
  struct Meeting {
    std::unordered_map<std::string, Member> members;  // by user id
    std::string agenda_data;                           // the last agenda update's data
  };
  // The meetings whose home is one loop; touched only on that loop's thread.
  struct Shard {
    std::unordered_map<std::string, Meeting> meetings;
  };

  void publish(size_t shard, std::string channel, std::string type, std::string data, std::string_view user_id,
               std::string_view user_name, std::string_view connection_id, std::string_view correlation_id);
  // Runs fn on the meeting's home loop with its shard.
  void at_home(std::string_view meeting_id, std::function<void(size_t home, Shard&)> fn);
  // Runs fn on loop `from` (a reply).
  void reply(size_t from, std::function<void()> fn) { loops_.post(from, std::move(fn)); }

  hub::Hub& hub_;
  const transport::LoopGroup& loops_;
  std::vector<Shard> shards_;
};

}  // namespace sb::features::meetings

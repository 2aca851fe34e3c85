#include "features/meetings/meeting_service.h"

#include "hub/topic.h"
#include "json/json_writer.h"

namespace sb::features::meetings {

MeetingService::MeetingService(hub::Hub& hub, const transport::LoopGroup& loops)
    : hub_(hub), loops_(loops), shards_(loops.size()) {}

std::string MeetingService::channel_of(std::string_view meeting_id) {
  return "meeting:" + std::string(meeting_id);
}

bool MeetingService::is_valid_id(std::string_view meeting_id) {
  if (meeting_id.empty() || meeting_id.size() > 128) return false;
  if (meeting_id.find_first_of(".:") != std::string_view::npos) return false;
  return hub::is_valid_channel(channel_of(meeting_id));
}

void MeetingService::at_home(std::string_view meeting_id, std::function<void(size_t, Shard&)> fn) {
  size_t home = loops_.owner_of(meeting_id);
  loops_.post(home, [this, home, fn = std::move(fn)] { fn(home, shards_[home]); });
}

void MeetingService::publish(size_t shard, std::string channel, std::string type, std::string data,
                             std::string_view user_id, std::string_view user_name, std::string_view connection_id,
                             std::string_view correlation_id) {
  auto p = std::make_shared<hub::Publication>();
  p->id = hub_.next_publication_id();
  p->channel = std::move(channel);
  p->event_type = std::move(type);
  p->data = std::move(data);
  p->sender_user_id = user_id;
  p->sender_name = user_name;
  p->sender_connection_id = connection_id;
  // The request the event answers, so that its sender can match it.
  if (!correlation_id.empty()) json::ObjectWriter(p->metadata).string("correlationId", correlation_id).end();
  p->time_ms = loops_.loop(shard).wall_ms();
  p->published_mono_us = transport::EventLoop::monotonic_us();
  hub_.publish(p, shard);
}

void MeetingService::join(size_t from, std::string meeting_id, Participant who, std::string correlation_id,
                          std::function<void(std::string)> done) {
  at_home(meeting_id, [this, from, meeting_id, who = std::move(who), correlation_id,
                       done = std::move(done)](size_t home, Shard& shard) mutable {
    Meeting& meeting = shard.meetings[meeting_id];
    uint64_t now = loops_.loop(home).wall_ms();
    auto [it, first] = meeting.members.try_emplace(who.user_id);
    Member& m = it->second;
    if (first) {
      m.who = who;
      m.joined_at_ms = now;
    }
    ++m.connections;
    if (first) {
      std::string participant;
      json::ObjectWriter(participant).string("userId", who.user_id).string("name", who.name)
          .string("role", who.role).string("joinedAt", json::iso8601(now)).end();
      std::string data;
      json::ObjectWriter(data).string("meetingId", meeting_id).raw("participant", participant)
          .number("totalParticipants", static_cast<int64_t>(meeting.members.size())).end();
      publish(home, channel_of(meeting_id), "meeting.participant.joined", std::move(data), who.user_id, who.name, {},
              correlation_id);
    }
    reply(from, [done = std::move(done), agenda = meeting.agenda_data]() mutable { done(std::move(agenda)); });
  });
}

void MeetingService::leave(size_t from, std::string meeting_id, std::string user_id, std::string correlation_id,
                           std::function<void(std::string)> done) {
  at_home(meeting_id, [this, from, meeting_id, user_id, correlation_id, done = std::move(done)](size_t home,
                                                                                               Shard& shard) mutable {
    auto found = shard.meetings.find(meeting_id);
    if (found == shard.meetings.end()) return;
    Meeting& meeting = found->second;
    auto it = meeting.members.find(user_id);
    if (it == meeting.members.end()) return;
    std::string name = it->second.who.name;
    bool last = --it->second.connections == 0;
    if (last) meeting.members.erase(it);
    uint64_t now = loops_.loop(home).wall_ms();
    std::string participant;
    json::ObjectWriter(participant).string("userId", user_id).string("name", name)
        .string("leftAt", json::iso8601(now)).end();
    std::string data;
    json::ObjectWriter(data).string("meetingId", meeting_id).raw("participant", participant)
        .number("totalParticipants", static_cast<int64_t>(meeting.members.size())).end();
    if (last) {
      publish(home, channel_of(meeting_id), "meeting.participant.left", data, user_id, name, {}, correlation_id);
    }
    // A meeting ends with its last participant (its agenda with it).
    if (meeting.members.empty()) shard.meetings.erase(found);
    if (done) reply(from, [done = std::move(done), data = std::move(data)]() mutable { done(std::move(data)); });
  });
}

std::string MeetingService::chat(size_t from, std::string_view meeting_id, const auth::Identity& who,
                                 std::string_view connection_id, std::string_view text,
                                 std::string_view reply_to_json, std::string_view correlation_id) {
  // A chat message needs no meeting state: it is published from the sender's loop, in
  // order with the sender's other messages.
  std::string message_id = "msg_" + hub_.next_publication_id();
  std::string name = who.name.empty() ? who.user_id : who.name;
  std::string data;
  json::ObjectWriter(data).string("meetingId", meeting_id).string("messageId", message_id)
      .string("userId", who.user_id).string("userName", name).string("message", text)
      .raw("replyTo", reply_to_json.empty() ? std::string_view("null") : reply_to_json)
      .string("timestamp", json::iso8601(loops_.loop(from).wall_ms())).end();
  publish(from, channel_of(meeting_id), "meeting.chat.message", std::move(data), who.user_id, name, connection_id,
          correlation_id);
  return message_id;
}

void MeetingService::update_agenda(size_t from, std::string meeting_id, std::string agenda_fields,
                                   std::function<void(size_t)> done) {
  at_home(meeting_id, [this, from, meeting_id, agenda_fields = std::move(agenda_fields),
                       done = std::move(done)](size_t home, Shard& shard) mutable {
    std::string data = "{\"meetingId\":";
    json::append_string(data, meeting_id);
    if (!agenda_fields.empty()) data += "," + agenda_fields;
    data += '}';
    size_t participants = 0;
    auto found = shard.meetings.find(meeting_id);
    if (found != shard.meetings.end()) {
      // Kept only while the meeting exists, so that latecomers see where it stands.
      found->second.agenda_data = data;
      participants = found->second.members.size();
    }
    publish(home, channel_of(meeting_id), "meeting.agenda.update", std::move(data), {}, {}, {}, {});
    reply(from, [done = std::move(done), participants] { done(participants); });
  });
}

}  // namespace sb::features::meetings

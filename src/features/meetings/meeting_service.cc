#include "features/meetings/meeting_service.h"

#include "hub/memory_broker.h"
#include "hub/topic.h"
#include "json/json_writer.h"

namespace sb::features::meetings {

namespace {
// The data of meeting.participant.left.
std::string left_data(std::string_view meeting_id, std::string_view user_id, std::string_view name, uint64_t now_ms,
                      uint32_t users) {
  std::string participant;
  json::ObjectWriter(participant).string("userId", user_id).string("name", name)
      .string("leftAt", json::iso8601(now_ms)).end();
  std::string data;
  json::ObjectWriter(data).string("meetingId", meeting_id).raw("participant", participant)
      .number("totalParticipants", static_cast<int64_t>(users)).end();
  return data;
}
}  // namespace

MeetingService::MeetingService(hub::Hub& hub, const transport::LoopGroup& loops, store::MeetingStore& store)
    : hub_(hub), loops_(loops), store_(store) {}

std::string MeetingService::channel_of(std::string_view meeting_id) {
  return "meeting:" + std::string(meeting_id);
}

bool MeetingService::is_valid_id(std::string_view meeting_id) {
  if (meeting_id.empty() || meeting_id.size() > 128) return false;
  if (meeting_id.find_first_of(".:") != std::string_view::npos) return false;
  return hub::is_valid_channel(channel_of(meeting_id));
}

void MeetingService::in_order(std::string_view meeting_id, std::function<void(size_t)> fn) {
  if (store_.shared()) {
    writer_.submit([fn = std::move(fn)] { fn(hub::Broker::kNoOrigin); });
    return;
  }
  size_t home = loops_.owner_of(meeting_id);
  loops_.post(home, [home, fn = std::move(fn)] { fn(home); });
}

uint64_t MeetingService::wall_ms(size_t origin) const {
  return origin < loops_.size() ? loops_.loop(origin).wall_ms() : hub::MemoryBroker::system_clock_ms();
}

void MeetingService::publish(size_t origin, std::string channel, std::string type, std::string data,
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
  // The request the event answers, for its sender's connection alone to match it.
  p->sender_correlation_id = correlation_id;
  p->time_ms = wall_ms(origin);
  p->published_mono_us = transport::EventLoop::monotonic_us();
  hub_.publish(p, origin);
}

void MeetingService::join(size_t from, std::string meeting_id, Participant who, std::string connection_id,
                          std::string correlation_id, std::function<void(std::string)> done) {
  in_order(meeting_id, [this, from, meeting_id, who = std::move(who), connection_id, correlation_id,
                        done = std::move(done)](size_t origin) mutable {
    store::MeetingJoin joined = store_.join(meeting_id, who.user_id, who.name);
    if (joined.first) {
      std::string participant;
      json::ObjectWriter(participant).string("userId", who.user_id).string("name", who.name)
          .string("role", who.role).string("joinedAt", json::iso8601(wall_ms(origin))).end();
      std::string data;
      json::ObjectWriter(data).string("meetingId", meeting_id).raw("participant", participant)
          .number("totalParticipants", static_cast<int64_t>(joined.total)).end();
      publish(origin, channel_of(meeting_id), "meeting.participant.joined", std::move(data), who.user_id, who.name,
              connection_id, correlation_id);
    }
    reply(from, [done = std::move(done), agenda = std::move(joined.agenda)]() mutable { done(std::move(agenda)); });
  });
}

void MeetingService::leave(size_t from, std::string meeting_id, std::string user_id,
                           std::function<void(std::string)> done) {
  in_order(meeting_id, [this, from, meeting_id, user_id, done = std::move(done)](size_t origin) mutable {
    store::MeetingLeave left = store_.leave(meeting_id, user_id);
    if (!left.known) return;
    std::string data = left_data(meeting_id, user_id, left.name, wall_ms(origin), left.total);
    if (left.last) {
      publish(origin, channel_of(meeting_id), "meeting.participant.left", data, user_id, left.name, {}, {});
    }
    if (done) reply(from, [done = std::move(done), data = std::move(data)]() mutable { done(std::move(data)); });
  });
}

void MeetingService::departed(const std::string& meeting_id, const std::string& user_id, const std::string& name,
                              uint32_t users) {
  size_t origin = hub::Broker::kNoOrigin;
  publish(origin, channel_of(meeting_id), "meeting.participant.left",
          left_data(meeting_id, user_id, name, wall_ms(origin), users), user_id, name, {}, {});
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
  in_order(meeting_id, [this, from, meeting_id, agenda_fields = std::move(agenda_fields),
                        done = std::move(done)](size_t origin) mutable {
    std::string data = "{\"meetingId\":";
    json::append_string(data, meeting_id);
    if (!agenda_fields.empty()) data += "," + agenda_fields;
    data += '}';
    // Kept only while the meeting exists, so that latecomers see where it stands.
    size_t participants = store_.set_agenda(meeting_id, data);
    publish(origin, channel_of(meeting_id), "meeting.agenda.update", std::move(data), {}, {}, {}, {});
    reply(from, [done = std::move(done), participants] { done(participants); });
  });
}

}  // namespace sb::features::meetings

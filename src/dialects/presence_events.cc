#include "dialects/presence_events.h"

#include "json/json_writer.h"
#include "transport/event_loop.h"

namespace sb::dialects {

namespace {

void publish(hub::Hub& hub, size_t origin, std::string channel, std::string type, std::string data,
             const PresenceSubject& who, uint64_t now_ms) {
  auto publication = std::make_shared<hub::Publication>();
  publication->id = hub.next_publication_id();
  publication->channel = std::move(channel);
  publication->event_type = std::move(type);
  publication->data = std::move(data);
  publication->sender_user_id = who.user_id;
  publication->sender_name = who.name;
  publication->sender_connection_id = who.connection_id;
  publication->echo_to_sender = false;
  publication->keep_in_history = false;  // news of the moment
  publication->time_ms = now_ms;
  publication->published_mono_us = transport::EventLoop::monotonic_us();
  hub.publish(publication, origin);
}

}  // namespace

std::string presence_user_json(const PresenceSubject& who) {
  std::string out;
  json::ObjectWriter w(out);
  w.string("id", who.user_id);
  if (!who.name.empty()) w.string("name", who.name); else w.null("name");
  if (!who.avatar.empty()) w.string("avatar", who.avatar);
  w.end();
  return out;
}

void publish_presence_join(hub::Hub& hub, size_t origin, std::string channel, const PresenceSubject& who,
                           uint64_t now_ms) {
  std::string data;
  json::ObjectWriter(data).string("channelId", channel).raw("user", presence_user_json(who)).end();
  publish(hub, origin, std::move(channel), "presence.join", std::move(data), who, now_ms);
}

void publish_presence_leave(hub::Hub& hub, size_t origin, std::string channel, const PresenceSubject& who,
                            uint64_t now_ms) {
  std::string data;
  json::ObjectWriter(data).string("channelId", channel).string("userId", who.user_id).end();
  publish(hub, origin, std::move(channel), "presence.leave", std::move(data), who, now_ms);
}

}  // namespace sb::dialects

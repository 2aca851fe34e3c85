#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "hub/hub.h"

// Presence changes as the core publishes them on the channel itself, whatever the dialect
// (each renders them its own way: USER_JOINED, presence.changed...): "presence.join" with
// {"channelId","user":{"id","name","avatar"?}} when a user's first connection arrives,
// "presence.leave" with {"channelId","userId"} when the last one goes. Never kept in history;
// the connection that caused one does not receive it.
namespace sb::dialects {

// Who a presence event is about, and the connection that caused it (empty when the server
// noticed it, e.g. the user's node died).
struct PresenceSubject {
  std::string user_id;
  std::string name;
  std::string avatar;
  std::string connection_id;
};

// {"id","name"|null,"avatar"?}: the user as presence events and lists show it.
std::string presence_user_json(const PresenceSubject& who);

// Publishes from loop `origin` (or any thread with hub::Broker::kNoOrigin).
void publish_presence_join(hub::Hub& hub, size_t origin, std::string channel, const PresenceSubject& who,
                           uint64_t now_ms);
void publish_presence_leave(hub::Hub& hub, size_t origin, std::string channel, const PresenceSubject& who,
                            uint64_t now_ms);

}  // namespace sb::dialects

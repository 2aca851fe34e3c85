#pragma once
#include <functional>
#include <string>

#include "hub/presence.h"
#include "protocol/http/response.h"

namespace sb::api {

// GET /api/presence?channel=C, once the caller checked that C is a concrete channel name
// and that the API key or a user token allowed to subscribe to C is given: who is in a
// presence-tracking channel, on every node:
//   {"success":true,"channel","data":[{"userId","name","avatar","connections","joinedAt",
//    "lastSeen","status"?}]}
// 404 for a channel that tracks no presence. respond runs on loop shard_index.
void serve_presence(std::string channel, const hub::PresenceTracker& presence, size_t shard_index,
                    std::function<void(protocol::http::HttpResponse)> respond);

}  // namespace sb::api

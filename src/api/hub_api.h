#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "config/config.h"
#include "hub/channel_occupancy.h"
#include "hub/connection_registry.h"
#include "hub/hub.h"
#include "protocol/http/http_request.h"
#include "protocol/http/response.h"
#include "transport/event_loop.h"

namespace sb::api {

// The hub API for backends (the seed's wsHub calls over HTTP, API key required):
//   POST /api/hub/send-to-user            {"userId","type","payload"}
//   POST /api/hub/broadcast-to-room       {"room","type","payload"}
//   POST /api/hub/broadcast-to-authenticated {"type","payload","minRole"?}
//   GET  /api/hub/users/<id>/connections
//   GET  /api/hub/stats
//   POST /api/hub/disconnect-user         {"userId","reason"?}
// Messages go through the hub like any publication, so every dialect renders them (and a
// disconnect order reaches the user's connections on every node).
class HubApi {
 public:
  HubApi(hub::Hub& hub, hub::ConnectionRegistry& registry, hub::ChannelOccupancy& occupancy,
         std::atomic<bool>& maintenance, std::function<uint64_t()> messages_per_second);

  // Handles a request whose path starts with /api/hub/ (the caller checked the API key).
  // respond runs on this loop, at once or (look-ups of a cluster) after Redis answered.
  void handle(const protocol::http::HttpRequest& request, transport::EventLoop& loop, size_t shard_index,
              std::function<void(protocol::http::HttpResponse)> respond);
  // POST /api/admin/maintenance {"enabled","message"?}: switches maintenance mode. Turning it
  // on tells every connected client (publication "maintenance" to $all, which each dialect
  // renders as its error); new connections are refused while it is on.
  protocol::http::HttpResponse maintenance(const protocol::http::HttpRequest& request, transport::EventLoop& loop,
                                           size_t shard_index);
  // The same switch for a signal (SIGUSR1 toggles); publishes from shard 0's thread via post.
  void set_maintenance(bool enabled, std::string message, transport::EventLoop& loop, size_t shard_index);

 private:
  // A publication of the server's (no sender), numbered and stamped with the loop's clocks.
  std::shared_ptr<hub::Publication> new_publication(std::string channel, std::string_view event_type, std::string data,
                                                    transport::EventLoop& loop);
  protocol::http::HttpResponse publish(const protocol::http::HttpRequest& request, transport::EventLoop& loop,
                                       size_t shard_index, std::string_view target_field);
  // Closes every connection of the user, on every node, each in its dialect's words.
  protocol::http::HttpResponse disconnect_user(const protocol::http::HttpRequest& request, transport::EventLoop& loop,
                                               size_t shard_index);
  // Both cover the whole cluster when there is one (the registry's cluster store).
  void user_connections(std::string_view user_id, size_t shard_index,
                        std::function<void(protocol::http::HttpResponse)> respond);
  void stats(size_t shard_index, std::function<void(protocol::http::HttpResponse)> respond);

  hub::Hub& hub_;
  hub::ConnectionRegistry& registry_;
  hub::ChannelOccupancy& occupancy_;
  std::atomic<bool>& maintenance_;
  std::function<uint64_t()> messages_per_second_;
};

}  // namespace sb::api

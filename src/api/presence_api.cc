#include "api/presence_api.h"

#include "json/json_writer.h"

namespace sb::api {

namespace http = protocol::http;

void serve_presence(std::string channel, const hub::PresenceTracker& presence, size_t shard_index,
                    std::function<void(http::HttpResponse)> respond) {
  if (!presence.tracks(channel)) {
    respond(http::json_error(404, "this channel tracks no presence (see [presence] channels)"));
    return;
  }
  presence.members(channel, shard_index, [channel, respond = std::move(respond)](std::vector<hub::PresenceMember> members) {
    std::string list = "[";
    for (const auto& m : members) {
      if (list.size() > 1) list += ',';
      json::ObjectWriter w(list);
      w.string("userId", m.user_id).string("name", m.name).string("avatar", m.avatar)
          .number("connections", m.connections).number("joinedAt", static_cast<int64_t>(m.joined_at_ms))
          .number("lastSeen", static_cast<int64_t>(m.last_seen_ms));
      if (!m.status.empty()) w.string("status", m.status);
      w.end();
    }
    list += ']';
    std::string out;
    json::ObjectWriter(out).boolean("success", true).string("channel", channel).raw("data", list).end();
    respond(http::json_response(200, std::move(out)));
  });
}

}  // namespace sb::api

#pragma once
#include <memory>
#include <string>
#include <vector>

#include "cluster/redis_client.h"
#include "store/meeting_store.h"

namespace sb::cluster {

// Meetings of a cluster in Redis, on the instance the meeting's channel hashes to. Each node
// writes its own connection counts, so that the nodes' reaper (RedisPresence) can take a
// dead node's participants out: `meet:r:<id>`, "<user>\n<node>" -> that node's connections
// of the user; `meet:u:<id>`, user -> nodes holding the user (the meeting's users are its
// fields); `meet:p:<id>`, user -> name; `meet:a:<id>`, the agenda data; `meet:n:<node>`,
// meeting id -> records of that node (what the reaper walks). Each call is one Lua script.
class RedisMeetingStore final : public store::MeetingStore {
 public:
  RedisMeetingStore(std::vector<std::shared_ptr<RedisClient>> clients, std::string prefix, std::string node_id);

  store::MeetingJoin join(std::string_view meeting_id, std::string_view user, std::string_view name) override;
  store::MeetingLeave leave(std::string_view meeting_id, std::string_view user) override;
  uint32_t set_agenda(std::string_view meeting_id, std::string_view data) override;
  bool shared() const override { return true; }

 private:
  RedisClient& client_for(std::string_view meeting_id);
  // r, u, p, a of the meeting, then this node's n.
  std::vector<std::string> keys(std::string_view meeting_id) const;

  std::vector<std::shared_ptr<RedisClient>> clients_;
  std::string prefix_;
  std::string node_id_;
};

}  // namespace sb::cluster

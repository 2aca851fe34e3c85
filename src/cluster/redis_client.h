#pragma once
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/redis_endpoint.h"
#include "cluster/redis_link.h"

struct redisContext;
struct redisReply;

namespace sb::cluster {

// A reply owned by its holder (freed with hiredis' freeReplyObject).
struct ReplyDeleter {
  void operator()(redisReply* reply) const;
};
using OwnedReply = std::unique_ptr<redisReply, ReplyDeleter>;

// A blocking connection to one Redis instance, for the stores: their calls already run on
// work-pool threads (never on an event loop), so a plain request and answer is the simplest
// correct client. Signs in (AUTH, SELECT) on connect and reconnects on the next call after
// a failure. Thread-safe: one call at a time on the connection.
class RedisClient {
 public:
  explicit RedisClient(RedisEndpoint endpoint, uint32_t timeout_ms = 2000);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // Connects and signs in now; false with an error naming the instance (start-up check).
  bool check(std::string& error);
  // Runs one command. The reply (possibly an error reply), or nullptr with `error` set when
  // the instance could not be reached (one reconnect is tried first).
  OwnedReply command(const std::vector<std::string_view>& args, std::string& error);
  // Runs a script (EVALSHA, then EVAL when Redis does not know it yet).
  OwnedReply eval(const RedisScript& script, const std::vector<std::string>& keys,
                  const std::vector<std::string>& args, std::string& error);
  const RedisEndpoint& endpoint() const { return endpoint_; }

 private:
  bool connect_locked(std::string& error);
  OwnedReply run_locked(const std::vector<std::string_view>& args, std::string& error);

  RedisEndpoint endpoint_;
  uint32_t timeout_ms_;
  std::mutex mutex_;
  redisContext* context_ = nullptr;
  bool closed_by_peer_ = false;  // the last failure was Redis closing the connection
};

}  // namespace sb::cluster

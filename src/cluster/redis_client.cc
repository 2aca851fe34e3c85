#include "cluster/redis_client.h"

#include <hiredis/hiredis.h>

#include <cerrno>

namespace sb::cluster {

void ReplyDeleter::operator()(redisReply* reply) const {
  if (reply != nullptr) freeReplyObject(reply);
}

RedisClient::RedisClient(RedisEndpoint endpoint, uint32_t timeout_ms)
    : endpoint_(std::move(endpoint)), timeout_ms_(timeout_ms) {}

RedisClient::~RedisClient() {
  if (context_ != nullptr) redisFree(context_);
}

bool RedisClient::check(std::string& error) {
  std::lock_guard lock(mutex_);
  if (!connect_locked(error)) return false;
  OwnedReply pong = run_locked({"PING"}, error);
  if (!pong) return false;
  if (pong->type == REDIS_REPLY_ERROR) {
    error = "Redis at " + endpoint_.display() + ": PING failed: " + std::string(reply_text(pong.get()));
    return false;
  }
  return true;
}

bool RedisClient::connect_locked(std::string& error) {
  if (context_ != nullptr) return true;
  timeval timeout{static_cast<time_t>(timeout_ms_ / 1000), static_cast<suseconds_t>((timeout_ms_ % 1000) * 1000)};
  redisContext* c = redisConnectWithTimeout(endpoint_.host.c_str(), endpoint_.port, timeout);
  auto fail = [&](const std::string& why) {
    error = "Redis at " + endpoint_.display() + ": " + why;
    if (c != nullptr) redisFree(c);
    context_ = nullptr;
    return false;
  };
  if (c == nullptr || c->err != 0) return fail(c != nullptr ? c->errstr : "cannot allocate a connection");
  redisSetTimeout(c, timeout);
  context_ = c;
  auto sign = [&](const std::vector<std::string_view>& args, const char* what) {
    std::string why;
    OwnedReply reply = run_locked(args, why);
    if (!reply) return fail(std::string(what) + " failed: " + why);
    if (reply->type == REDIS_REPLY_ERROR) {
      return fail(std::string(what) + " refused: " + std::string(reply_text(reply.get())));
    }
    return true;
  };
  if (!endpoint_.password.empty()) {
    std::vector<std::string_view> auth = {"AUTH"};
    if (!endpoint_.user.empty()) auth.push_back(endpoint_.user);
    auth.push_back(endpoint_.password);
    if (!sign(auth, "AUTH")) return false;
  }
  if (endpoint_.database != 0) {
    std::string db = std::to_string(endpoint_.database);
    if (!sign({"SELECT", db}, "SELECT")) return false;
  }
  return true;
}

OwnedReply RedisClient::run_locked(const std::vector<std::string_view>& args, std::string& error) {
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  argv.reserve(args.size());
  lengths.reserve(args.size());
  for (auto a : args) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  auto* reply = static_cast<redisReply*>(
      redisCommandArgv(context_, static_cast<int>(argv.size()), argv.data(), lengths.data()));
  if (reply == nullptr) {
    // The connection is unusable after an I/O error: the next call connects again.
    error = "Redis at " + endpoint_.display() + ": " + context_->errstr;
    closed_by_peer_ = context_->err == REDIS_ERR_EOF || (context_->err == REDIS_ERR_IO && (errno == ECONNRESET || errno == EPIPE));
    redisFree(context_);
    context_ = nullptr;
  }
  return OwnedReply(reply);
}

OwnedReply RedisClient::command(const std::vector<std::string_view>& args, std::string& error) {
  std::lock_guard lock(mutex_);
  // A connection that Redis closed since the last call (a restart) is found by the first
  // try, and the command was not run: it is sent once more on a new connection. A timeout
  // is not retried, because Redis may have run the command.
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool reused = context_ != nullptr;
    if (!connect_locked(error)) return nullptr;
    closed_by_peer_ = false;
    OwnedReply reply = run_locked(args, error);
    if (reply || !reused || !closed_by_peer_) return reply;
  }
  return nullptr;
}

OwnedReply RedisClient::eval(const RedisScript& script, const std::vector<std::string>& keys,
                             const std::vector<std::string>& args, std::string& error) {
  std::string key_count = std::to_string(keys.size());
  std::vector<std::string_view> argv = {"EVALSHA", script.sha, key_count};
  for (const auto& k : keys) argv.push_back(k);
  for (const auto& a : args) argv.push_back(a);
  OwnedReply reply = command(argv, error);
  if (reply && reply->type == REDIS_REPLY_ERROR && reply_text(reply.get()).substr(0, 8) == "NOSCRIPT") {
    argv[0] = "EVAL";
    argv[1] = script.text;
    reply = command(argv, error);
  }
  return reply;
}

}  // namespace sb::cluster

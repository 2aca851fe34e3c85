#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/redis_endpoint.h"
#include "transport/event_loop.h"
#include "transport/io_handler.h"

struct redisAsyncContext;
struct redisReply;

namespace sb::cluster {

// One asynchronous connection to one Redis instance, driven by an EventLoop (hiredis does
// the protocol; readiness comes from our epoll). It signs in (AUTH, SELECT) before it calls
// itself ready, and when the connection drops it reconnects with capped exponential backoff,
// calling on_ready again each time. Everything runs on the loop's thread.
// A Lua script (static text) and the SHA1 Redis names it by, computed once: define each as
// a function-local static.
struct RedisScript {
  explicit RedisScript(std::string_view script);
  std::string_view text;
  std::string sha;
};

class RedisLink final : public transport::IoHandler {
 public:
  // A reply, or nullptr when the connection dropped before one came.
  using Reply = std::function<void(redisReply*)>;

  RedisLink(transport::EventLoop& loop, RedisEndpoint endpoint);
  ~RedisLink() override;
  RedisLink(const RedisLink&) = delete;
  RedisLink& operator=(const RedisLink&) = delete;

  // Starts connecting. on_ready: signed in (again, after a reconnect). on_down(reason): the
  // connection failed or dropped; a reconnect is already scheduled.
  void start(std::function<void()> on_ready, std::function<void(const std::string&)> on_down);
  bool ready() const { return ready_; }
  const RedisEndpoint& endpoint() const { return endpoint_; }

  // Sends one command. reply runs once, on the loop. False (reply never runs) when the link
  // is not ready.
  bool command(const std::vector<std::string_view>& args, Reply reply);
  // Runs a script by EVALSHA, sending it whole with EVAL only when Redis does not know it
  // yet (load() on every connect avoids that retry, which could overtake later commands).
  // reply(nullptr) when the link is down.
  void eval(const RedisScript& script, std::vector<std::string> keys, std::vector<std::string> args, Reply reply);
  // SCRIPT LOAD: the script is known to Redis for every later eval on this connection.
  void load(const RedisScript& script, Reply reply = [](redisReply*) {});
  // Sends a (P)SUBSCRIBE or (P)UNSUBSCRIBE: every push for it (the confirmation, then each
  // message) goes to the link's push handler. False when not ready.
  bool subscribe_command(const std::vector<std::string_view>& args);
  // Where pushes of subscribe_command() go: ["message", channel, payload],
  // ["pmessage", pattern, channel, payload], ["subscribe", name, count]...
  void on_push(std::function<void(redisReply*)> handler) { push_ = std::move(handler); }

  void on_io(uint32_t events) override;

 private:
  void connect();
  void sign_in();
  // command() without the readiness check (signing in).
  bool send(const std::vector<std::string_view>& args, Reply reply);
  // Hands one command to hiredis with its C callback; false when not connected.
  bool send_argv(const std::vector<std::string_view>& args, void (*callback)(redisAsyncContext*, void*, void*),
                 void* privdata);
  void schedule_reconnect(const std::string& reason);
  void update_interest();
  static void on_connect(const redisAsyncContext* context, int status);
  static void on_disconnect(const redisAsyncContext* context, int status);
  static void on_reply(redisAsyncContext* context, void* reply, void* privdata);
  static void on_push_reply(redisAsyncContext* context, void* reply, void* privdata);
  // hiredis event hooks.
  static void add_read(void* self);
  static void del_read(void* self);
  static void add_write(void* self);
  static void del_write(void* self);
  static void cleanup(void* self);

  transport::EventLoop& loop_;
  RedisEndpoint endpoint_;
  redisAsyncContext* context_ = nullptr;
  int fd_ = -1;
  uint32_t events_ = 0;     // what epoll watches for fd_
  bool registered_ = false; // fd_ is in epoll
  bool ready_ = false;
  uint32_t backoff_ms_ = 0;
  std::function<void()> on_ready_;
  std::function<void(const std::string&)> on_down_;
  std::function<void(redisReply*)> push_;
  // Alive while the link is: timers and late callbacks check it.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// Reply helpers: the string of a string/status/error reply, or empty.
std::string_view reply_text(const redisReply* reply);
bool reply_is_error(const redisReply* reply);

}  // namespace sb::cluster

#include "cluster/redis_link.h"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <sys/epoll.h>

#include <openssl/sha.h>

#include <algorithm>
#include <cstdio>

#include "observability/log.h"

namespace sb::cluster {

namespace {
constexpr uint32_t kFirstBackoffMs = 100;
constexpr uint32_t kMaxBackoffMs = 5000;
}  // namespace

RedisScript::RedisScript(std::string_view script) : text(script) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(script.data()), script.size(), digest);
  char hex[3];
  for (unsigned char b : digest) {
    std::snprintf(hex, sizeof hex, "%02x", b);
    sha += hex;
  }
}

std::string_view reply_text(const redisReply* reply) {
  if (reply == nullptr) return {};
  if (reply->type == REDIS_REPLY_STRING || reply->type == REDIS_REPLY_STATUS || reply->type == REDIS_REPLY_ERROR) {
    return {reply->str, reply->len};
  }
  return {};
}

bool reply_is_error(const redisReply* reply) { return reply == nullptr || reply->type == REDIS_REPLY_ERROR; }

RedisLink::RedisLink(transport::EventLoop& loop, RedisEndpoint endpoint)
    : loop_(loop), endpoint_(std::move(endpoint)) {}

RedisLink::~RedisLink() {
  *alive_ = false;
  if (context_ != nullptr) {
    redisAsyncContext* c = context_;
    context_ = nullptr;
    c->data = nullptr;  // the disconnect callback must not reach a link being destroyed
    redisAsyncFree(c);
  }
}

void RedisLink::start(std::function<void()> on_ready, std::function<void(const std::string&)> on_down) {
  on_ready_ = std::move(on_ready);
  on_down_ = std::move(on_down);
  connect();
}

void RedisLink::connect() {
  // A name other than an address would resolve synchronously here: the broker's own loop
  // serves no client, and endpoints are parsed to addresses where possible.
  redisAsyncContext* c = redisAsyncConnect(endpoint_.host.c_str(), endpoint_.port);
  if (c == nullptr || c->err != 0) {
    std::string reason = c != nullptr ? c->errstr : "out of memory";
    if (c != nullptr) redisAsyncFree(c);
    schedule_reconnect(reason);
    return;
  }
  context_ = c;
  c->data = this;
  fd_ = c->c.fd;
  c->ev.data = this;
  c->ev.addRead = add_read;
  c->ev.delRead = del_read;
  c->ev.addWrite = add_write;
  c->ev.delWrite = del_write;
  c->ev.cleanup = cleanup;
  redisAsyncSetConnectCallback(c, on_connect);
  redisAsyncSetDisconnectCallback(c, on_disconnect);
  add_write(this);  // the connect completes when the socket becomes writable
}

void RedisLink::on_connect(const redisAsyncContext* context, int status) {
  auto* self = static_cast<RedisLink*>(context->data);
  if (self == nullptr) return;
  if (status != REDIS_OK) {
    // hiredis frees the context after this returns.
    self->context_ = nullptr;
    self->schedule_reconnect(context->errstr);
    return;
  }
  self->sign_in();
}

void RedisLink::sign_in() {
  // AUTH (when configured), then SELECT (when not database 0), then ready.
  auto fail = [this](const char* what, redisReply* reply) {
    log::error(what, {{"redis", endpoint_.display()}, {"error", std::string(reply_text(reply))}});
    if (context_ != nullptr) redisAsyncDisconnect(context_);
  };
  auto became_ready = [this] {
    ready_ = true;
    backoff_ms_ = 0;
    if (on_ready_) on_ready_();
  };
  auto select = [this, fail, became_ready] {
    if (endpoint_.database == 0) {
      became_ready();
      return;
    }
    std::string db = std::to_string(endpoint_.database);
    send({"SELECT", db}, [fail, became_ready](redisReply* reply) {
      if (reply_is_error(reply)) return fail("redis.select_failed", reply);
      became_ready();
    });
  };
  if (endpoint_.password.empty()) {
    select();
    return;
  }
  std::vector<std::string_view> auth = {"AUTH"};
  if (!endpoint_.user.empty()) auth.push_back(endpoint_.user);
  auth.push_back(endpoint_.password);
  send(auth, [fail, select](redisReply* reply) {
    if (reply_is_error(reply)) return fail("redis.auth_failed", reply);
    select();
  });
}

void RedisLink::on_disconnect(const redisAsyncContext* context, int status) {
  auto* self = static_cast<RedisLink*>(context->data);
  if (self == nullptr) return;
  self->context_ = nullptr;  // freed by hiredis after this returns
  self->schedule_reconnect(status == REDIS_OK ? "closed" : context->errstr);
}

void RedisLink::schedule_reconnect(const std::string& reason) {
  ready_ = false;
  backoff_ms_ = backoff_ms_ == 0 ? kFirstBackoffMs : std::min(kMaxBackoffMs, backoff_ms_ * 2);
  if (on_down_) on_down_(reason);
  std::weak_ptr<bool> alive = alive_;
  loop_.call_later(backoff_ms_, [this, alive] {
    auto a = alive.lock();
    if (a && *a && context_ == nullptr) connect();
  });
}

bool RedisLink::command(const std::vector<std::string_view>& args, Reply reply) {
  return ready_ && send(args, std::move(reply));
}

bool RedisLink::send_argv(const std::vector<std::string_view>& args, void (*callback)(redisAsyncContext*, void*, void*),
                         void* privdata) {
  if (context_ == nullptr) return false;
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (auto a : args) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  return redisAsyncCommandArgv(context_, callback, privdata, static_cast<int>(argv.size()), argv.data(),
                               lengths.data()) == REDIS_OK;
}

bool RedisLink::send(const std::vector<std::string_view>& args, Reply reply) {
  auto* callback = new Reply(std::move(reply));
  if (!send_argv(args, on_reply, callback)) {
    delete callback;
    return false;
  }
  return true;
}

bool RedisLink::subscribe_command(const std::vector<std::string_view>& args) {
  return ready_ && send_argv(args, on_push_reply, this);
}

void RedisLink::on_reply(redisAsyncContext*, void* reply, void* privdata) {
  std::unique_ptr<Reply> callback(static_cast<Reply*>(privdata));
  (*callback)(static_cast<redisReply*>(reply));
}

void RedisLink::on_push_reply(redisAsyncContext* context, void* reply, void*) {
  auto* self = static_cast<RedisLink*>(context->data);
  if (self != nullptr && reply != nullptr && self->push_) self->push_(static_cast<redisReply*>(reply));
}

void RedisLink::update_interest() {
  if (fd_ < 0) return;
  if (events_ == 0) {
    if (registered_) loop_.remove(fd_);
    registered_ = false;
    return;
  }
  if (registered_) {
    loop_.modify(fd_, events_, this);
  } else {
    registered_ = loop_.add(fd_, events_, this);
  }
}

void RedisLink::add_read(void* p) {
  auto* self = static_cast<RedisLink*>(p);
  self->events_ |= EPOLLIN;
  self->update_interest();
}

void RedisLink::del_read(void* p) {
  auto* self = static_cast<RedisLink*>(p);
  self->events_ &= ~static_cast<uint32_t>(EPOLLIN);
  self->update_interest();
}

void RedisLink::add_write(void* p) {
  auto* self = static_cast<RedisLink*>(p);
  self->events_ |= EPOLLOUT;
  self->update_interest();
}

void RedisLink::del_write(void* p) {
  auto* self = static_cast<RedisLink*>(p);
  self->events_ &= ~static_cast<uint32_t>(EPOLLOUT);
  self->update_interest();
}

void RedisLink::cleanup(void* p) {
  auto* self = static_cast<RedisLink*>(p);
  self->events_ = 0;
  self->update_interest();
  self->fd_ = -1;
}

void RedisLink::on_io(uint32_t events) {
  // Either call may free the context (a disconnect): check it before the next.
  if ((events & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0 && context_ != nullptr) redisAsyncHandleRead(context_);
  if ((events & (EPOLLOUT | EPOLLERR)) != 0 && context_ != nullptr) redisAsyncHandleWrite(context_);
}

void RedisLink::eval(const RedisScript& script, std::vector<std::string> keys, std::vector<std::string> args,
                     Reply reply) {
  std::string count = std::to_string(keys.size());
  auto argv = [&](std::string_view verb, std::string_view body) {
    std::vector<std::string_view> out = {verb, body, count};
    for (const auto& k : keys) out.push_back(k);
    for (const auto& a : args) out.push_back(a);
    return out;
  };
  std::vector<std::string_view> with_sha = argv("EVALSHA", script.sha);
  auto retry = [this, text = script.text, keys = std::move(keys), args = std::move(args), reply](redisReply* r) {
    if (r != nullptr && r->type == REDIS_REPLY_ERROR && reply_text(r).starts_with("NOSCRIPT")) {
      std::string n = std::to_string(keys.size());
      std::vector<std::string_view> full = {"EVAL", text, n};
      for (const auto& k : keys) full.push_back(k);
      for (const auto& a : args) full.push_back(a);
      if (!command(full, reply)) reply(nullptr);
      return;
    }
    reply(r);
  };
  if (!command(with_sha, std::move(retry))) reply(nullptr);
}

void RedisLink::load(const RedisScript& script, Reply reply) {
  command({"SCRIPT", "LOAD", script.text}, std::move(reply));
}

}  // namespace sb::cluster

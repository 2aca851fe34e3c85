#include "cluster/redis_relay.h"

namespace sb::cluster {

RedisRelay::RedisRelay(transport::EventLoop& loop, std::function<RedisLink*(size_t)> link,
                       std::function<size_t(std::string_view)> shard_of, std::string prefix, std::string node_id)
    : loop_(loop),
      link_(std::move(link)),
      shard_of_(std::move(shard_of)),
      prefix_(std::move(prefix)),
      node_id_(std::move(node_id)),
      mailbox_(prefix_ + mailbox_name(node_id_)) {}

std::string RedisRelay::mailbox_name(std::string_view node) {
  std::string name = "$node:";
  name += node;
  return name;
}

void RedisRelay::send(std::string_view to, std::string_view service, std::string body) {
  std::string payload;
  payload.reserve(node_id_.size() + service.size() + body.size() + 2);
  payload += node_id_;
  payload += '\n';
  payload += service;
  payload += '\n';
  payload += body;
  loop_.post([this, to = std::string(to), payload = std::move(payload)] {
    std::string name = mailbox_name(to);
    RedisLink* link = link_(shard_of_(name));
    std::string channel = prefix_ + name;
    if (link == nullptr || !link->command({"PUBLISH", channel, payload}, [](redisReply*) {})) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
    }
  });
}

void RedisRelay::on_receive(std::string service, Handler handler) {
  std::lock_guard lock(handlers_mutex_);
  handlers_[std::move(service)] = std::move(handler);
}

void RedisRelay::receive(std::string_view payload) {
  if (stopped_) return;
  size_t first = payload.find('\n');
  if (first == std::string_view::npos) return;
  size_t second = payload.find('\n', first + 1);
  if (second == std::string_view::npos) return;
  std::string_view from = payload.substr(0, first);
  std::string service(payload.substr(first + 1, second - first - 1));
  // Handlers only hand the message to a loop, so calling them under the lock is cheap.
  std::lock_guard lock(handlers_mutex_);
  auto it = handlers_.find(service);
  if (it != handlers_.end()) it->second(from, payload.substr(second + 1));
}

}  // namespace sb::cluster

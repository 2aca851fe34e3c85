#include "hub/hub.h"

#include <cstdio>
#include <random>

#include "hub/memory_broker.h"

namespace sb::hub {

HubShard::HubShard(std::function<void()> wake, Hub& hub) : hub_(hub), wake_(std::move(wake)) {
  auto interest = [this](std::string_view pattern, bool first) {
    if (hub_.broker().wants_interest_in(pattern)) hub_.interest_changed(pattern, first ? 1 : -1);
  };
  trie_.on_interest(interest);
  personal_.on_interest(interest);
}

bool HubShard::subscribe(Subscriber& subscriber, std::string_view pattern) {
  bool added = trie_.add(subscriber, pattern);
  if (added) counters_.subscriptions.fetch_add(1, std::memory_order_relaxed);
  return added;
}

bool HubShard::unsubscribe(Subscriber& subscriber, std::string_view pattern) {
  bool removed = trie_.remove(subscriber, pattern);
  if (removed) counters_.subscriptions.fetch_sub(1, std::memory_order_relaxed);
  return removed;
}

void HubShard::unsubscribe_all(Subscriber& subscriber) {
  counters_.subscriptions.fetch_sub(subscriber.subscription_count(), std::memory_order_relaxed);
  trie_.remove_all(subscriber);
  personal_.remove(subscriber);
}

void HubShard::add_personal(Subscriber& subscriber, std::string_view user, bool authenticated) {
  personal_.add(subscriber, user, authenticated);
}

void HubShard::remove_personal(Subscriber& subscriber) { personal_.remove(subscriber); }

void HubShard::deliver(const PublicationPtr& publication) {
  uint64_t delivered = 0;
  auto visit = [&](Subscriber& s) {
    s.deliver(*publication);
    ++delivered;
  };
  trie_.match(publication->channel, visit);
  // Reserved and personal channels are few and short: the first byte rules most out.
  char first = publication->channel.empty() ? '\0' : publication->channel.front();
  if (first == '$' || first == 'u') personal_.match(publication->channel, trie_.delivery_seq(), visit);
  if (delivered != 0) {
    counters_.deliveries.fetch_add(delivered, std::memory_order_relaxed);
    delivered_this_turn_.push_back(publication);
  }
}

void HubShard::enqueue(PublicationPtr publication) {
  bool was_empty;
  {
    std::lock_guard lock(inbox_mutex_);
    was_empty = inbox_.empty();
    inbox_.push_back({std::move(publication), {}});
  }
  // Only the push that makes the inbox non-empty needs to wake the loop.
  if (was_empty) wake_();
}

void HubShard::post(std::function<void()> task) {
  bool was_empty;
  {
    std::lock_guard lock(inbox_mutex_);
    was_empty = inbox_.empty();
    inbox_.push_back({nullptr, std::move(task)});
  }
  if (was_empty) wake_();
}

void HubShard::drain_inbox() {
  {
    std::lock_guard lock(inbox_mutex_);
    if (inbox_.empty()) return;
    draining_.swap(inbox_);
  }
  for (auto& item : draining_) {
    if (item.publication) {
      deliver(item.publication);
    } else {
      item.task();
    }
  }
  draining_.clear();
}

HubShard& Hub::add_shard(std::function<void()> wake) {
  shards_.push_back(std::make_unique<HubShard>(std::move(wake), *this));
  return *shards_.back();
}

Hub::Hub() : broker_(std::make_unique<MemoryBroker>(*this, RetentionLookup{}, 0)) {}

Hub::~Hub() = default;

void Hub::set_broker(std::unique_ptr<Broker> broker) { broker_ = std::move(broker); }

void Hub::interest_changed(std::string_view pattern, int delta) {
  std::lock_guard lock(interest_mutex_);
  auto it = interest_.find(std::string(pattern));
  if (delta > 0) {
    if (it == interest_.end()) {
      interest_.emplace(std::string(pattern), 1);
      broker_->watch(pattern);
    } else {
      ++it->second;
    }
    return;
  }
  if (it == interest_.end()) return;
  if (--it->second == 0) {
    interest_.erase(it);
    broker_->unwatch(pattern);
  }
}

bool Hub::has_interest(std::string_view pattern) {
  std::lock_guard lock(interest_mutex_);
  return interest_.contains(std::string(pattern));
}

void Hub::publish(std::shared_ptr<Publication> publication, size_t origin, PublishDone done) {
  if (origin < shards_.size()) shards_[origin]->counters().publications.fetch_add(1, std::memory_order_relaxed);
  broker_->publish(std::move(publication), origin, std::move(done));
}

void Hub::fan_out(const PublicationPtr& publication, size_t origin) {
  for (size_t i = 0; i < shards_.size(); ++i) {
    if (i != origin) shards_[i]->enqueue(publication);
  }
  if (origin < shards_.size()) shards_[origin]->deliver(publication);
}

std::string Hub::make_node_prefix() {
  std::random_device rd;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08x", static_cast<unsigned>(rd()));
  return buf;
}

std::string Hub::next_publication_id() {
  uint64_t n = id_counter_.fetch_add(1, std::memory_order_relaxed) + 1;
  return node_prefix_ + "-" + std::to_string(n);
}

uint64_t Hub::total_publications() const {
  uint64_t total = 0;
  for (const auto& s : shards_) total += s->counters().publications.load(std::memory_order_relaxed);
  return total;
}

uint64_t Hub::total_deliveries() const {
  uint64_t total = 0;
  for (const auto& s : shards_) total += s->counters().deliveries.load(std::memory_order_relaxed);
  return total;
}

}  // namespace sb::hub

namespace sb::hub {

uint64_t Hub::total_subscriptions() const {
  uint64_t total = 0;
  for (const auto& s : shards_) total += s->counters().subscriptions.load(std::memory_order_relaxed);
  return total;
}

}  // namespace sb::hub

#include "hub/memory_broker.h"

#include <chrono>
#include <cstdio>
#include <random>

#include "hub/hub.h"
#include "hub/topic.h"

namespace sb::hub {

namespace {
// Upkeep walks every stream under its bucket's lock: often enough to bound memory, rarely
// enough not to hold up publishers.
constexpr uint64_t kMaintainIntervalMs = 10'000;
}  // namespace

std::string new_epoch() {
  thread_local std::mt19937 generator{std::random_device{}()};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08x", static_cast<unsigned>(generator()));
  return buf;
}

uint64_t MemoryBroker::system_clock_ms() {
  using namespace std::chrono;
  return static_cast<uint64_t>(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

MemoryBroker::MemoryBroker(Hub& hub, RetentionLookup retention, uint64_t meta_ttl_ms,
                           std::function<uint64_t()> clock_ms)
    : hub_(hub), retention_(std::move(retention)), meta_ttl_ms_(meta_ttl_ms), clock_ms_(std::move(clock_ms)) {}

MemoryBroker::Bucket& MemoryBroker::bucket(std::string_view channel) {
  return buckets_[std::hash<std::string_view>{}(channel) % buckets_.size()];
}

MemoryBroker::Stream& MemoryBroker::stream_locked(Bucket& b, std::string_view channel, uint64_t now_ms) {
  auto it = b.streams.find(channel);
  if (it == b.streams.end()) {
    it = b.streams.emplace(std::string(channel), Stream{}).first;
    it->second.epoch = new_epoch();
    it->second.touched_ms = now_ms;
  }
  return it->second;
}

void MemoryBroker::drop_expired(Stream& stream, uint64_t now_ms) {
  while (!stream.entries.empty() && stream.entries.front().expires_ms <= now_ms) stream.entries.pop_front();
}

void MemoryBroker::publish(std::shared_ptr<Publication> publication, size_t origin, PublishDone done) {
  Retention rule = retention_ && publication->keep_in_history ? retention_(publication->channel) : Retention{};
  if (!rule.keeps_history()) {
    hub_.fan_out(publication, origin);
    if (done) done(true, {});
    return;
  }
  append_and_fan_out(publication, rule);
  if (done) done(true, {publication->offset, publication->epoch});
}

void MemoryBroker::append_and_fan_out(const std::shared_ptr<Publication>& publication, Retention rule) {
  uint64_t now = clock_ms_();
  Bucket& b = bucket(publication->channel);
  std::lock_guard lock(b.mutex);
  Stream& stream = stream_locked(b, publication->channel, now);
  drop_expired(stream, now);
  publication->offset = ++stream.top;
  publication->epoch = stream.epoch;
  stream.touched_ms = now;
  stream.entries.push_back({publication, now + uint64_t{rule.ttl_s} * 1000});
  while (stream.entries.size() > rule.size) stream.entries.pop_front();
  // Handed to every loop's inbox (the origin's too) while the stream is locked: each loop
  // then delivers the channel's publications in offset order, whoever published them.
  hub_.fan_out(publication, kNoOrigin);
}

void MemoryBroker::read_history(std::string_view channel, uint64_t after_offset, size_t limit, size_t /*origin*/,
                                HistoryDone done) {
  HistoryResult result;
  Retention rule = retention_ ? retention_(channel) : Retention{};
  result.keeps_history = rule.keeps_history();
  if (result.keeps_history) {
    uint64_t now = clock_ms_();
    result.scope = {origin_, now / 1000, rule.ttl_s};
    Bucket& b = bucket(channel);
    std::lock_guard lock(b.mutex);
    auto it = b.streams.find(channel);
    if (it == b.streams.end()) {
      // Never published (or forgotten): an unstarted position, and no record for it.
      result.top = {0, unstarted_epoch(origin_, now / 1000)};
      done(std::move(result));
      return;
    }
    Stream& stream = it->second;
    drop_expired(stream, now);
    stream.touched_ms = now;  // a stream someone follows keeps its epoch
    result.top = {stream.top, stream.epoch};
    if (!stream.entries.empty()) result.first_offset = stream.entries.front().publication->offset;
    for (const auto& entry : stream.entries) {
      if (result.publications.size() >= limit) break;
      if (entry.publication->offset > after_offset) result.publications.push_back(entry.publication);
    }
  }
  done(std::move(result));
}

void MemoryBroker::maintain(uint64_t now_ms) {
  {
    std::lock_guard lock(maintain_mutex_);
    if (now_ms < next_maintain_ms_) return;
    next_maintain_ms_ = now_ms + kMaintainIntervalMs;
  }
  for (auto& b : buckets_) {
    std::lock_guard lock(b.mutex);
    for (auto it = b.streams.begin(); it != b.streams.end();) {
      Stream& stream = it->second;
      drop_expired(stream, now_ms);
      it = stream.entries.empty() && forgettable(it->first, stream, now_ms) ? b.streams.erase(it) : std::next(it);
    }
  }
}

bool MemoryBroker::forgettable(const std::string& channel, const Stream& stream, uint64_t now_ms) const {
  return stream.touched_ms + meta_ttl_ms_ <= now_ms || !hub_.has_interest(channel);
}

bool MemoryBroker::wants_interest_in(std::string_view pattern) const {
  return retention_ && !has_wildcard(pattern) && retention_(pattern).keeps_history();
}

size_t MemoryBroker::stream_count() {
  size_t count = 0;
  for (auto& b : buckets_) {
    std::lock_guard lock(b.mutex);
    count += b.streams.size();
  }
  return count;
}

}  // namespace sb::hub

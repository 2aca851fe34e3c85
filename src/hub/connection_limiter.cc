#include "hub/connection_limiter.h"

namespace sb::hub {

ConnectionLimiter::Verdict ConnectionLimiter::try_acquire(const std::string& address, uint64_t now_ms) {
  if (max_per_address_ == 0 && accepts_per_second_ == 0) return Verdict::kAccepted;
  std::lock_guard lock(mutex_);
  auto [it, inserted] = entries_.try_emplace(address);
  Entry& entry = it->second;
  if (inserted) entry.accepts = RateLimiter(accepts_per_second_, 1000);
  if (max_per_address_ != 0 && entry.open >= max_per_address_) return Verdict::kTooMany;
  uint64_t retry_after = 0;
  // The entry stays while its bucket refills, so connecting and closing quickly does not
  // reset the rate; prune() drops it later.
  if (!entry.accepts.try_take(now_ms, retry_after)) return Verdict::kTooFast;
  ++entry.open;
  return Verdict::kAccepted;
}

void ConnectionLimiter::release(const std::string& address) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(address);
  if (it == entries_.end() || it->second.open == 0) return;
  --it->second.open;
  if (it->second.open == 0 && accepts_per_second_ == 0) entries_.erase(it);
}

void ConnectionLimiter::prune(uint64_t now_ms) {
  std::lock_guard lock(mutex_);
  for (auto it = entries_.begin(); it != entries_.end();) {
    it = it->second.open == 0 && it->second.accepts.is_full(now_ms) ? entries_.erase(it) : std::next(it);
  }
}

}  // namespace sb::hub

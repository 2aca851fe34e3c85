#include "api/login_limiter.h"

#include <algorithm>

namespace sb::api {

namespace {
constexpr uint32_t kPruneEvery = 1024;
constexpr uint32_t kWindowMs = 60000;
}  // namespace

hub::RateLimiter& LoginLimiter::bucket(Buckets& buckets, std::string key) {
  auto it = buckets.find(key);
  if (it != buckets.end()) return it->second;
  ++inserts_since_prune_;
  return buckets.emplace(std::move(key), hub::RateLimiter(per_minute_, kWindowMs)).first->second;
}

void LoginLimiter::prune(uint64_t now_ms) {
  inserts_since_prune_ = 0;
  for (Buckets* buckets : {&by_address_, &by_account_}) {
    for (auto it = buckets->begin(); it != buckets->end();) {
      it = it->second.is_full(now_ms) ? buckets->erase(it) : std::next(it);
    }
  }
}

bool LoginLimiter::try_attempt(std::string_view address, std::string_view account, uint64_t now_ms,
                               uint64_t& retry_after_ms) {
  if (per_minute_ == 0) return true;
  std::string account_key(account);
  std::transform(account_key.begin(), account_key.end(), account_key.begin(),
                 [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c); });
  std::lock_guard lock(mutex_);
  if (inserts_since_prune_ >= kPruneEvery) prune(now_ms);
  hub::RateLimiter& by_address = bucket(by_address_, std::string(address));
  hub::RateLimiter& by_account = bucket(by_account_, std::move(account_key));
  uint64_t wait = std::max(by_address.wait_ms(now_ms), by_account.wait_ms(now_ms));
  if (wait != 0) {
    retry_after_ms = wait;
    return false;
  }
  uint64_t unused = 0;
  by_address.try_take(now_ms, unused);
  by_account.try_take(now_ms, unused);
  return true;
}

}  // namespace sb::api

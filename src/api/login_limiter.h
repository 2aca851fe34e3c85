#pragma once
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "hub/rate_limiter.h"

namespace sb::api {

// Login attempts allowed per client address and per account (e-mail, case-insensitive),
// each `per_minute` in a token bucket: password guessing from one place, or against one
// account from many, is slowed to a trickle, and the password hasher is never flooded.
// Shared by all loops (one mutex: logins are rare next to messages).
class LoginLimiter {
 public:
  explicit LoginLimiter(uint32_t per_minute) : per_minute_(per_minute) {}

  // Charges one attempt to both the address and the account at now_ms. False when either
  // has none left (nothing is charged then), with retry_after_ms the wait until both have.
  bool try_attempt(std::string_view address, std::string_view account, uint64_t now_ms, uint64_t& retry_after_ms);

 private:
  using Buckets = std::unordered_map<std::string, hub::RateLimiter>;
  hub::RateLimiter& bucket(Buckets& buckets, std::string key);
  // Forgets buckets that are full again, so the maps stay as small as the recent attackers.
  void prune(uint64_t now_ms);

  std::mutex mutex_;
  Buckets by_address_;
  Buckets by_account_;
  uint32_t per_minute_;
  uint32_t inserts_since_prune_ = 0;
};

}  // namespace sb::api

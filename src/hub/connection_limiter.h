#pragma once
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "hub/rate_limiter.h"

namespace sb::hub {

// Counts open connections and the rate of new ones per client address across all loops.
// Touched once at accept and once at release, never on the message path, so one mutex is
// fine here.
class ConnectionLimiter {
 public:
  enum class Verdict { kAccepted, kTooMany, kTooFast };

  // max_per_address: open connections per address; accepts_per_second: new connections per
  // address per second (bursts up to that many). 0 means unlimited for either.
  ConnectionLimiter(uint32_t max_per_address, uint32_t accepts_per_second)
      : max_per_address_(max_per_address), accepts_per_second_(accepts_per_second) {}
  // Takes a slot for address at now_ms (monotonic); nothing is taken unless kAccepted.
  Verdict try_acquire(const std::string& address, uint64_t now_ms);
  void release(const std::string& address);
  // Forgets addresses with no connection whose accept rate is back to full; called from a
  // sweep so that the table stays as small as the set of recent clients.
  void prune(uint64_t now_ms);

 private:
  struct Entry {
    uint32_t open = 0;
    RateLimiter accepts;
  };
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  uint32_t max_per_address_;
  uint32_t accepts_per_second_;
};

}  // namespace sb::hub

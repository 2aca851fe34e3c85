#pragma once
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace sb::server {

// Counts open connections per client address across all loops. Touched once at accept and
// once at release, never on the message path, so one mutex is fine here.
class ConnectionLimiter {
 public:
  explicit ConnectionLimiter(uint32_t max_per_address) : max_per_address_(max_per_address) {}
  // Takes a slot for address; false when it already holds the maximum (0 = unlimited).
  bool try_acquire(const std::string& address);
  void release(const std::string& address);

 private:
  std::mutex mutex_;
  std::unordered_map<std::string, uint32_t> counts_;
  uint32_t max_per_address_;
};

}  // namespace sb::server

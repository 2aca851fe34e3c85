#include "server/connection_limiter.h"

namespace sb::server {

bool ConnectionLimiter::try_acquire(const std::string& address) {
  std::lock_guard lock(mutex_);
  uint32_t& n = counts_[address];
  if (max_per_address_ != 0 && n >= max_per_address_) {
    if (n == 0) counts_.erase(address);
    return false;
  }
  ++n;
  return true;
}

void ConnectionLimiter::release(const std::string& address) {
  std::lock_guard lock(mutex_);
  auto it = counts_.find(address);
  if (it == counts_.end()) return;
  if (--it->second == 0) counts_.erase(it);
}

}  // namespace sb::server

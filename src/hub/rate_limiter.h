#pragma once
#include <cstdint>

namespace sb::hub {

// Token bucket: `capacity` actions per `window_ms`, refilled continuously. Kept per
// connection (or per connection and action), so it is 16 bytes: the clock is kept as the
// low 32 bits of the loop's milliseconds (differences stay right across the wrap, for
// pauses under 49 days), and the capacity is capped at kMaxCapacity so that its
// milli-tokens fit 32 bits.
class RateLimiter {
 public:
  static constexpr uint32_t kMaxCapacity = 4'000'000;  // actions per window; more is taken as this

  RateLimiter() = default;
  RateLimiter(uint32_t capacity, uint32_t window_ms)
      : capacity_(capacity < kMaxCapacity ? capacity : kMaxCapacity),
        window_ms_(window_ms),
        tokens_milli_(capacity_ * 1000U) {}

  // The wait in ms until a token is available at now_ms (0: one is available now). Takes
  // nothing: several limits can be checked before any is charged.
  uint64_t wait_ms(uint64_t now_ms) {
    if (capacity_ == 0) return 0;
    refill(now_ms);
    if (tokens_milli_ >= 1000) return 0;
    uint64_t wait = ((1000ULL - tokens_milli_) * window_ms_ + capacity_ * 1000ULL - 1) / (capacity_ * 1000ULL);
    return wait == 0 ? 1 : wait;
  }
  // Whether the bucket is back to full at now_ms (an idle limiter that can be forgotten).
  bool is_full(uint64_t now_ms) {
    refill(now_ms);
    return tokens_milli_ >= capacity_ * 1000ULL;
  }

  // Takes one token at now_ms. Returns false when none is left and sets retry_after_ms to
  // the wait until one will be. A capacity of 0 means unlimited.
  bool try_take(uint64_t now_ms, uint64_t& retry_after_ms) {
    if (capacity_ == 0) return true;
    refill(now_ms);
    if (tokens_milli_ >= 1000) {
      tokens_milli_ -= 1000;
      return true;
    }
    // One token is 1000 milli-tokens; they come back at capacity*1000 per window.
    uint64_t missing = 1000 - tokens_milli_;
    uint64_t refill_per_window = capacity_ * 1000ULL;  // milli-tokens regained per window
    retry_after_ms = (missing * window_ms_ + refill_per_window - 1) / refill_per_window;
    if (retry_after_ms == 0) retry_after_ms = 1;
    return false;
  }

 private:
  void refill(uint64_t now_ms) {
    auto now = static_cast<uint32_t>(now_ms);
    if (!started_) {
      started_ = true;
      last_ms_ = now;
    }
    uint64_t elapsed = static_cast<uint32_t>(now - last_ms_);
    if (elapsed == 0) return;
    last_ms_ = now;
    uint64_t full = capacity_ * 1000ULL;
    uint64_t gained = elapsed * full / (window_ms_ == 0 ? 1 : window_ms_);
    tokens_milli_ = static_cast<uint32_t>(tokens_milli_ + gained > full ? full : tokens_milli_ + gained);
  }

  uint32_t capacity_ : 31 = 0;
  uint32_t started_ : 1 = 0;  // last_ms_ holds a time
  uint32_t window_ms_ = 60000;
  uint32_t tokens_milli_ = 0;  // at most capacity_ * 1000
  uint32_t last_ms_ = 0;       // low 32 bits of the loop's milliseconds at the last refill
};

}  // namespace sb::hub

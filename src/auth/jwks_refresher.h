#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "auth/jwt.h"

namespace sb::auth {

// Keeps a JwtCodec's JWKS keys current: reads the document (file or URL) on its own
// thread, never on an event loop, every refresh_seconds, soon after a token names an
// unknown kid (at most once per min_refresh_seconds) and when reload() asks. A document
// that cannot be read or parsed leaves the keys in place; it is logged, counted and tried
// again after min_refresh_seconds.
class JwksRefresher {
 public:
  JwksRefresher(JwksSettings settings, JwtCodec& codec);
  ~JwksRefresher();  // stops the thread (a fetch under way ends within its timeout)

  // Reads the document once on the calling thread (start-up). False (error set) when a file
  // cannot be read or the document is not a JWKS; a URL that does not answer is logged
  // and left to the thread, so that the server starts while the provider is down.
  bool load_now(std::string& error);
  // Starts the refresh thread.
  void start();
  // Asks for a refresh within min_refresh_seconds of the last one. Any thread; never blocks
  // on a fetch.
  void request_refresh();
  // Asks for a refresh at once, regardless of the last one (SIGHUP).
  void reload();

  uint64_t refreshes() const { return refreshes_.load(std::memory_order_relaxed); }
  uint64_t failures() const { return failures_.load(std::memory_order_relaxed); }

 private:
  using Clock = std::chrono::steady_clock;
  enum class Outcome { kInstalled, kUnreadable, kNotJwks };
  // Reads, parses and installs the document; error set unless kInstalled.
  Outcome refresh(std::string& error);
  void run();

  JwksSettings settings_;
  JwtCodec& codec_;
  std::string last_document_;  // refresh thread only (and load_now before it starts)
  std::atomic<uint64_t> refreshes_{0};
  std::atomic<uint64_t> failures_{0};

  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<bool> requested_{false};  // cheap test for the verifying threads
  bool forced_ = false;
  bool stopping_ = false;
  bool last_ok_ = false;
  Clock::time_point last_attempt_{};
  std::thread thread_;
};

}  // namespace sb::auth

#pragma once
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "auth/identity.h"

namespace sb::auth {

// Resolves an opaque session id (from a cookie) to an identity by asking the
// application's backend: GET <url> with the cookie forwarded. 200 with a JSON user
// ({"id","name","roles","permissions"}, or the same under "user") is a session; 401, 403
// and 404 mean no session; anything else, or no answer within the timeout, means the
// backend is unavailable. Answers are cached for a short time. resolve() blocks: call it
// from a work-pool thread, never from an event loop.
class SessionResolver {
 public:
  enum class Outcome { kUser, kNoSession, kUnavailable };
  struct Result {
    Outcome outcome = Outcome::kNoSession;
    IdentityPtr identity;
    std::string error;
  };

  SessionResolver(std::string url, std::string cookie_name, uint32_t timeout_ms, uint32_t cache_ms);
  Result resolve(const std::string& session_id, uint64_t now_ms);
  bool enabled() const { return !url_.empty(); }

  // Builds an identity from a backend's user JSON; exposed for tests.
  static bool parse_user(std::string_view json, Identity& out);

 private:
  struct CacheEntry {
    Result result;
    uint64_t expires_ms;
  };
  std::string url_;
  std::string cookie_name_;
  uint32_t timeout_ms_;
  uint32_t cache_ms_;
  std::mutex mutex_;
  std::unordered_map<std::string, CacheEntry> cache_;
};

// Value of cookie `name` in a Cookie header, or empty.
std::string_view cookie_value(std::string_view cookie_header, std::string_view name);

}  // namespace sb::auth

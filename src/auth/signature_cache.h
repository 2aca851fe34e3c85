#pragma once
#include <array>
#include <cstdint>
#include <mutex>
#include <string_view>
#include <unordered_map>

namespace sb::auth {

// Tokens whose asymmetric signature (RS256, ES256) was found valid, remembered by the
// SHA-256 of the whole token until the token expires, so that a reconnect storm of the same
// tokens pays each signature once: an RSA or ECDSA check costs tens of microseconds, the
// digest about one. Entries belong to one key set (its generation): when the keys change
// (a JWKS refresh dropped a key) nothing verified under the old set counts any more. The
// claims are still read and checked (expiry, audience...) on every use; only the signature
// check is skipped. Thread-safe (every loop verifies).
class SignatureCache {
 public:
  using Digest = std::array<unsigned char, 32>;
  // Tokens without an expiry are kept this long after their check.
  static constexpr int64_t kTokenWithoutExpirySeconds = 600;

  explicit SignatureCache(size_t capacity = 100'000) : capacity_(capacity) {}

  static Digest digest(std::string_view token);
  // Whether the token with this digest was verified under key set `generation` and has
  // not expired by now_seconds.
  bool contains(const Digest& digest, uint64_t generation, int64_t now_seconds);
  // Remembers a verified token until valid_until (0: the token has no expiry). When full,
  // the expired entries go first, and everything if that freed nothing.
  void insert(const Digest& digest, uint64_t generation, int64_t valid_until, int64_t now_seconds);
  size_t size();
  // Signature checks skipped since start.
  uint64_t hits();

 private:
  struct DigestHash {
    size_t operator()(const Digest& d) const;
  };
  struct Entry {
    uint64_t generation;
    int64_t until_seconds;
  };
  std::mutex mutex_;
  std::unordered_map<Digest, Entry, DigestHash> entries_;
  size_t capacity_;
  uint64_t hits_ = 0;
};

}  // namespace sb::auth

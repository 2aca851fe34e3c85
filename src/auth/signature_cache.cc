#include "auth/signature_cache.h"

#include <openssl/sha.h>

#include <cstring>

namespace sb::auth {

SignatureCache::Digest SignatureCache::digest(std::string_view token) {
  Digest d;
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), d.data());
  return d;
}

size_t SignatureCache::DigestHash::operator()(const Digest& d) const {
  // The digest is uniformly random already: its first bytes are a hash.
  size_t h;
  std::memcpy(&h, d.data(), sizeof h);
  return h;
}

bool SignatureCache::contains(const Digest& digest, uint64_t generation, int64_t now_seconds) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(digest);
  if (it == entries_.end()) return false;
  if (it->second.generation != generation || now_seconds > it->second.until_seconds) {
    entries_.erase(it);
    return false;
  }
  ++hits_;
  return true;
}

void SignatureCache::insert(const Digest& digest, uint64_t generation, int64_t valid_until, int64_t now_seconds) {
  int64_t until = valid_until != 0 ? valid_until : now_seconds + kTokenWithoutExpirySeconds;
  std::lock_guard lock(mutex_);
  if (entries_.size() >= capacity_ && entries_.find(digest) == entries_.end()) {
    std::erase_if(entries_, [&](const auto& e) { return now_seconds > e.second.until_seconds; });
    if (entries_.size() >= capacity_) entries_.clear();
  }
  entries_[digest] = Entry{generation, until};
}

size_t SignatureCache::size() {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

uint64_t SignatureCache::hits() {
  std::lock_guard lock(mutex_);
  return hits_;
}

}  // namespace sb::auth

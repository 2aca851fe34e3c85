#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace sb::hub {

// Slots of the per-publication encoding cache: one per wire encoding (a dialect's frame).
inline constexpr size_t kMaxEncodings = 8;

// One event on one channel, immutable once published and shared by every loop that
// delivers it. The hub treats data and metadata as opaque bytes (JSON text in practice).
// The event type of an order to close every connection of a user, published by the hub
// API (POST /api/hub/disconnect-user) to the user's personal channel, so that it reaches
// every node like any publication; data is {"reason"}. Sessions close in their dialect's
// words and never render it. `$` types are the server's: no client can publish one.
inline constexpr std::string_view kDisconnectOrder = "$disconnect";

struct Publication : std::enable_shared_from_this<Publication> {
  std::string id;
  std::string channel;
  std::string event_type;
  std::string data;       // JSON value text ("null" when absent)
  std::string metadata;         // a backend's metadata object (JSON text), or empty
  std::string client_metadata;  // a client's metadata object, shown under its own key, or empty
  std::string sender_user_id;        // empty for backend publications
  std::string sender_name;           // display name of the sender, when known
  std::string sender_connection_id;  // empty for backend publications
  // The id the sender gave the request this publication answers (a client's own
  // correlation id): dialects show it to the sending connection only, never to others.
  std::string sender_correlation_id;
  bool echo_to_sender = true;  // false: the sender's own connection does not receive it
  bool keep_in_history = true; // false: never kept nor numbered (typing, cursors, presence)
  uint64_t offset = 0;         // position in the channel's stream; 0 when it keeps no history
  std::string epoch;           // the stream's epoch, with offset
  uint64_t time_ms = 0;         // wall clock at publish
  uint64_t published_mono_us = 0;  // monotonic clock at publish, for latency metrics

  // Returns the bytes for encoding slot `slot`, building them with `encode` exactly once
  // across all threads. This is what keeps fan-out at one encode per dialect.
  template <typename Encode>
  const std::string& encoded(size_t slot, Encode&& encode) const {
    std::call_once(cache_[slot].once, [&] { encode(*this, cache_[slot].bytes); });
    return cache_[slot].bytes;
  }
  // The same for a second form of slot's encoding (its compressed twin), also built once.
  // The twins' cache is allocated on first use: a publication no compressing connection
  // receives (and every one kept in history) carries 16 bytes for it, not a second array.
  template <typename Encode>
  const std::string& encoded_twin(size_t slot, Encode&& encode) const {
    std::call_once(twins_once_, [&] { twins_ = std::make_unique<std::array<CachedEncoding, kMaxEncodings>>(); });
    CachedEncoding& twin = (*twins_)[slot];
    std::call_once(twin.once, [&] { encode(*this, twin.bytes); });
    return twin.bytes;
  }

 private:
  struct CachedEncoding {
    std::once_flag once;
    std::string bytes;
  };
  mutable std::array<CachedEncoding, kMaxEncodings> cache_;
  mutable std::once_flag twins_once_;
  mutable std::unique_ptr<std::array<CachedEncoding, kMaxEncodings>> twins_;
};

using PublicationPtr = std::shared_ptr<const Publication>;

}  // namespace sb::hub

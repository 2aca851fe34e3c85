#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace sb::hub {

// A connection's id, kept inline so that no connection allocates for its name. The ids the
// server makes ("conn-<node>-<loop>-<n>", "sio-<node>-<loop>-<n>", the node an 8-digit hex
// number) need 31 characters only after 10^13 connections on one loop.
class ConnectionId {
 public:
  static constexpr size_t kCapacity = 31;

  ConnectionId() = default;
  // Keeps the first kCapacity characters of text.
  explicit ConnectionId(std::string_view text) : size_(static_cast<uint8_t>(std::min(text.size(), kCapacity))) {
    std::memcpy(chars_, text.data(), size_);
  }

  std::string_view view() const { return {chars_, size_}; }
  operator std::string_view() const { return view(); }  // NOLINT: an id reads as text everywhere
  std::string str() const { return std::string(view()); }
  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }
  friend bool operator==(const ConnectionId& id, std::string_view text) { return id.view() == text; }

 private:
  char chars_[kCapacity] = {};
  uint8_t size_ = 0;
};

}  // namespace sb::hub

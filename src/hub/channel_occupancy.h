#pragma once
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace sb::hub {

// Members per concrete channel across all loops and dialects, with optional capacities
// (a room's maxConnections). Touched on join and leave only, never per message, so one
// mutex serves all loops.
class ChannelOccupancy {
 public:
  // Sets the capacity of a channel (0 = unlimited). Done at start-up.
  void set_capacity(std::string channel, uint32_t capacity);
  // Takes a place in channel; false when it is full (nothing is taken then).
  bool try_join(std::string_view channel);
  void leave(std::string_view channel);
  uint32_t members(std::string_view channel) const;
  // Every channel with at least one member, with its member count.
  std::vector<std::pair<std::string, uint32_t>> snapshot() const;

 private:
  struct Entry {
    uint32_t members = 0;
    uint32_t capacity = 0;
  };
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> channels_;
};

}  // namespace sb::hub

#pragma once
#include <cstddef>
#include <functional>
#include <string_view>
#include <vector>

#include "transport/event_loop.h"

namespace sb::transport {

// Every event loop of the process, by index (the index of its hub shard), so that state
// owned by one loop can be reached from the others by posting to it. Filled once at
// start-up, before any loop runs; read-only afterwards.
class LoopGroup {
 public:
  explicit LoopGroup(size_t count) : loops_(count, nullptr) {}
  void set(size_t index, EventLoop& loop) { loops_[index] = &loop; }
  size_t size() const { return loops_.size(); }
  EventLoop& loop(size_t index) const { return *loops_[index]; }
  // Thread-safe: runs fn on loop `index`'s thread during its next turn.
  void post(size_t index, std::function<void()> fn) const { loops_[index]->post(std::move(fn)); }
  // The loop that owns the state named by key: the same key always maps to the same loop
  // within this process.
  size_t owner_of(std::string_view key) const { return std::hash<std::string_view>{}(key) % loops_.size(); }

 private:
  std::vector<EventLoop*> loops_;
};

}  // namespace sb::transport

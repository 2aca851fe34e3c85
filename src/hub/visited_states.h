#pragma once
#include <cstdint>
#include <vector>

namespace sb::hub {

struct TrieNode;

// The (trie node, segment index) states one match has expanded, for the part of the walk
// where a state can be reached along several paths (below a second "**"). Open addressing
// with linear probing; clear() is O(1) (a new stamp), so a trie keeps one set and reuses
// its slots for every publication. It grows to twice the states it held, never shrinks:
// its size is bounded by the largest match so far, itself bounded by nodes x segments.
class VisitedStates {
 public:
  // Forgets every state.
  void clear() { ++stamp_; size_ = 0; }
  // Adds the state; false if it was already there (the caller then skips it).
  bool insert(const TrieNode* node, uint32_t index) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    size_t mask = slots_.size() - 1;
    for (size_t i = hash(node, index) & mask;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (s.stamp != stamp_) {
        s = Slot{node, index, stamp_};
        ++size_;
        return true;
      }
      if (s.node == node && s.index == index) return false;
    }
  }

 private:
  struct Slot {
    const TrieNode* node = nullptr;
    uint32_t index = 0;
    uint64_t stamp = 0;  // the slot is in use when it equals stamp_
  };
  static size_t hash(const TrieNode* node, uint32_t index) {
    uint64_t h = reinterpret_cast<uintptr_t>(node) ^ (uint64_t{index} << 48);
    h *= 0x9E3779B97F4A7C15ull;
    return static_cast<size_t>(h ^ (h >> 29));
  }
  void grow() {
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.assign(old.empty() ? 64 : old.size() * 2, Slot{});
    size_t mask = slots_.size() - 1;
    for (const Slot& s : old) {
      if (s.stamp != stamp_) continue;
      size_t i = hash(s.node, s.index) & mask;
      while (slots_[i].stamp == stamp_) i = (i + 1) & mask;
      slots_[i] = s;
    }
  }

  std::vector<Slot> slots_;
  uint64_t stamp_ = 1;  // slots start at 0: none is in use
  size_t size_ = 0;
};

}  // namespace sb::hub

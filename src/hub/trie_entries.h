#pragma once
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace sb::hub {

class Subscriber;

// The subscribers of one trie node. Most nodes are one connection's own channel (a user's
// personal channel, a direct conversation), so the first entry is kept inline and a heap
// array appears only from the second: an idle connection's own channels then cost no
// allocation here. Entries are plain data, moved with memcpy.
class TrieEntries {
 public:
  struct Entry {
    Subscriber* subscriber;
    uint32_t index_in_subscriber;
  };

  TrieEntries() = default;
  ~TrieEntries() {
    if (capacity_ > 1) std::free(many_);
  }
  TrieEntries(const TrieEntries&) = delete;
  TrieEntries& operator=(const TrieEntries&) = delete;

  uint32_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  Entry* begin() { return data(); }
  Entry* end() { return data() + size_; }
  const Entry* begin() const { return data(); }
  const Entry* end() const { return data() + size_; }
  Entry& operator[](uint32_t i) { return data()[i]; }
  Entry& back() { return data()[size_ - 1]; }

  // Appends; the array doubles when full (a busy channel's list grows like a vector's).
  void push_back(Entry entry) {
    if (size_ == capacity_) grow();
    data()[size_++] = entry;
  }
  // Drops the last entry; the heap array is freed when the list empties.
  void pop_back() {
    if (--size_ == 0 && capacity_ > 1) {
      std::free(many_);
      capacity_ = 1;
    }
  }

 private:
  Entry* data() { return capacity_ == 1 ? &one_ : many_; }
  const Entry* data() const { return capacity_ == 1 ? &one_ : many_; }
  void grow() {
    uint32_t capacity = capacity_ * 2;
    auto* bigger = static_cast<Entry*>(std::malloc(sizeof(Entry) * capacity));
    if (bigger == nullptr) std::abort();  // as operator new would: out of memory ends the process
    std::memcpy(static_cast<void*>(bigger), data(), sizeof(Entry) * size_);
    if (capacity_ > 1) std::free(many_);
    many_ = bigger;
    capacity_ = capacity;
  }

  union {
    Entry one_;    // capacity_ == 1
    Entry* many_;  // capacity_ > 1
  };
  uint32_t size_ = 0;
  uint32_t capacity_ = 1;
};

}  // namespace sb::hub

#pragma once
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <type_traits>

namespace sb::hub {

// A list of plain-data items whose first kInline live inside the list itself; a heap array
// appears only when there are more. The hub keeps two kinds per connection: a trie node's
// subscribers (most nodes are one connection's own channel) and a subscriber's
// subscriptions (an idle connection holds one or two). Inline, neither costs an allocation
// and its chunk header. Items are moved with memcpy.
template <typename T, uint32_t kInline>
class SmallList {
  static_assert(std::is_trivially_copyable_v<T>, "items are moved with memcpy");
  static_assert(kInline >= 1, "at least one item inline");

 public:
  SmallList() {}
  ~SmallList() { release(); }
  SmallList(const SmallList&) = delete;
  SmallList& operator=(const SmallList&) = delete;

  uint32_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T* begin() { return data(); }
  T* end() { return data() + size_; }
  const T* begin() const { return data(); }
  const T* end() const { return data() + size_; }
  T& operator[](uint32_t i) { return data()[i]; }
  const T& operator[](uint32_t i) const { return data()[i]; }
  T& back() { return data()[size_ - 1]; }

  // Appends; past the inline items the heap array doubles when full.
  void push_back(T item) {
    if (size_ == capacity_) grow();
    data()[size_++] = item;
  }
  // Drops the last item; the heap array is freed when the list empties.
  void pop_back() {
    if (--size_ == 0) release();
  }

 private:
  bool on_heap() const { return capacity_ > kInline; }
  T* data() { return on_heap() ? many_ : inline_; }
  const T* data() const { return on_heap() ? many_ : inline_; }
  void release() {
    if (on_heap()) std::free(many_);
    capacity_ = kInline;
  }
  void grow() {
    uint32_t capacity = capacity_ * 2;
    auto* bigger = static_cast<T*>(std::malloc(sizeof(T) * capacity));
    if (bigger == nullptr) std::abort();  // as operator new would: out of memory ends the process
    std::memcpy(static_cast<void*>(bigger), data(), sizeof(T) * size_);
    if (on_heap()) std::free(many_);
    many_ = bigger;
    capacity_ = capacity;
  }

  union {
    T inline_[kInline];  // capacity_ == kInline
    T* many_;            // capacity_ > kInline
  };
  uint32_t size_ = 0;
  uint32_t capacity_ = kInline;
};

}  // namespace sb::hub

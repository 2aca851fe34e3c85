#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

namespace sb::auth {

// The reference count an identity carries inside itself. Copying or moving an identity
// makes a new object: its count starts at zero, whatever the source's was.
struct RefCount {
  RefCount() = default;
  RefCount(const RefCount&) {}
  RefCount& operator=(const RefCount&) { return *this; }
  mutable std::atomic<uint32_t> count{0};
};

// A shared reference to an identity (T is Identity or const Identity) whose count lives in
// the identity itself. Every connection holds one, so it is one pointer (a shared_ptr is
// two) and the identity needs no separate control block: 24 bytes less per connection than
// make_shared's. Counting is atomic: identities are handed between loops and the work pool.
template <typename T>
class BasicIdentityPtr {
 public:
  BasicIdentityPtr() = default;
  BasicIdentityPtr(std::nullptr_t) {}
  // Takes a reference to an identity made with new (adopted by the first pointer to it).
  explicit BasicIdentityPtr(T* identity) : p_(identity) { retain(); }
  BasicIdentityPtr(const BasicIdentityPtr& other) : p_(other.p_) { retain(); }
  BasicIdentityPtr(BasicIdentityPtr&& other) noexcept : p_(std::exchange(other.p_, nullptr)) {}
  // A pointer to a mutable identity converts to one to a const identity.
  template <typename U, typename = std::enable_if_t<std::is_convertible_v<U*, T*>>>
  BasicIdentityPtr(const BasicIdentityPtr<U>& other) : p_(other.get()) {
    retain();
  }
  template <typename U, typename = std::enable_if_t<std::is_convertible_v<U*, T*>>>
  BasicIdentityPtr(BasicIdentityPtr<U>&& other) noexcept : p_(other.release()) {}
  ~BasicIdentityPtr() { drop(); }

  BasicIdentityPtr& operator=(BasicIdentityPtr other) noexcept {
    std::swap(p_, other.p_);
    return *this;
  }

  T* get() const { return p_; }
  T& operator*() const { return *p_; }
  T* operator->() const { return p_; }
  explicit operator bool() const { return p_ != nullptr; }
  void reset() { BasicIdentityPtr().swap_with(*this); }
  friend bool operator==(const BasicIdentityPtr& a, const BasicIdentityPtr& b) { return a.p_ == b.p_; }
  friend bool operator==(const BasicIdentityPtr& a, std::nullptr_t) { return a.p_ == nullptr; }

 private:
  template <typename>
  friend class BasicIdentityPtr;
  // Gives up the reference without dropping it (for the converting move).
  T* release() { return std::exchange(p_, nullptr); }
  void swap_with(BasicIdentityPtr& other) { std::swap(p_, other.p_); }
  void retain() {
    if (p_ != nullptr) p_->refs_.count.fetch_add(1, std::memory_order_relaxed);
  }
  void drop() {
    // acq_rel: the last holder sees every write other holders made before letting go.
    if (p_ != nullptr && p_->refs_.count.fetch_sub(1, std::memory_order_acq_rel) == 1) delete p_;
  }

  T* p_ = nullptr;
};

}  // namespace sb::auth

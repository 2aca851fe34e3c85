#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace sb::transport {

// The bytes a connection has queued and not yet written: appended at the back, consumed
// from the front. One per connection, so it is 24 bytes (a std::string and its read offset
// took 40): sizes are 32-bit, which the send-buffer limit keeps far below, and the array
// is a plain malloc block that realloc can often grow in place.
class SendBuffer {
 public:
  SendBuffer() = default;
  ~SendBuffer() { std::free(data_); }
  SendBuffer(const SendBuffer&) = delete;
  SendBuffer& operator=(const SendBuffer&) = delete;

  // Bytes queued and not yet consumed, and where they start.
  size_t pending() const { return size_ - offset_; }
  const char* pending_data() const { return data_ + offset_; }
  bool drained() const { return offset_ == size_; }
  size_t capacity() const { return capacity_; }
  // More than half of the array is bytes already consumed.
  bool mostly_consumed() const { return offset_ > size_ / 2; }

  // Queues length bytes after the pending ones. A queue past 4 GiB ends the process (the
  // connection's limit refuses sends long before).
  void append(const void* bytes, size_t length) {
    if (length == 0) return;
    size_t needed = static_cast<size_t>(size_) + length;
    if (needed > capacity_) grow(needed);
    std::memcpy(data_ + size_, bytes, length);
    size_ = static_cast<uint32_t>(needed);
  }
  // Marks n pending bytes written.
  void consume(size_t n) { offset_ += static_cast<uint32_t>(n); }
  // Forgets every byte and keeps the array for the next ones.
  void clear() { size_ = offset_ = 0; }
  // Forgets every byte and frees the array.
  void release() {
    std::free(data_);
    data_ = nullptr;
    size_ = offset_ = capacity_ = 0;
  }
  // Moves the pending bytes to the front of the array, so that appends reuse the space.
  void compact() {
    std::memmove(data_, data_ + offset_, pending());
    size_ -= offset_;
    offset_ = 0;
  }

 private:
  void grow(size_t needed) {
    if (needed > UINT32_MAX) std::abort();
    // A frame's header and its payload arrive as two appends: the first array has room
    // for both of a typical message, so that it is one allocation, not a malloc and a
    // realloc.
    constexpr size_t kFirstCapacity = 256;
    size_t doubled = capacity_ == 0 ? kFirstCapacity : static_cast<size_t>(capacity_) * 2;
    size_t capacity = needed > doubled ? needed : doubled;
    if (capacity > UINT32_MAX) capacity = UINT32_MAX;
    auto* bigger = static_cast<char*>(std::realloc(data_, capacity));
    if (bigger == nullptr) std::abort();  // as operator new would: out of memory ends the process
    data_ = bigger;
    capacity_ = static_cast<uint32_t>(capacity);
  }

  char* data_ = nullptr;
  uint32_t size_ = 0;      // bytes in the array, consumed ones included
  uint32_t offset_ = 0;    // bytes already written
  uint32_t capacity_ = 0;  // bytes the array holds
};

}  // namespace sb::transport

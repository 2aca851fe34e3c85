#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace sb::transport {

class TcpConnection;

// Writes a loop turn's output through io_uring: each dirty plain connection gets one send
// in a batch, and the batch enters the kernel in one io_uring_enter instead of one send()
// call per connection. The sends carry MSG_DONTWAIT, so each one completes (or reports
// EAGAIN) while it is submitted: no buffer is read after flush() returns, and a full socket
// is left to the loop's EPOLLOUT interest exactly as on the send() path.
class UringWriter {
 public:
  // A ring of `entries` sends per submission; null with `error` set when the kernel refuses
  // one (io_uring disabled by sysctl or seccomp, or too old for IORING_OP_SEND).
  static std::unique_ptr<UringWriter> create(unsigned entries, std::string& error);
  ~UringWriter();
  UringWriter(const UringWriter&) = delete;
  UringWriter& operator=(const UringWriter&) = delete;

  // Writes every connection of `dirty`, which it empties. Connections marked dirty while
  // the results are taken (a close that made others send) are left in `dirty` for another
  // call. TLS connections are flushed with their own flush() after the batch.
  void flush(std::vector<TcpConnection*>& dirty);

  // Submissions and sends so far (how well the batching works: sends per submission).
  // Readable from any thread (metrics).
  uint64_t submissions() const { return submissions_.load(std::memory_order_relaxed); }
  uint64_t sends() const { return sends_.load(std::memory_order_relaxed); }

 private:
  struct Ring;
  explicit UringWriter(std::unique_ptr<Ring> ring);
  // Queues, submits and completes up to the ring's size of batch_[first...]; returns the
  // index after the last one taken.
  size_t write_chunk(size_t first);

  std::unique_ptr<Ring> ring_;  // keeps liburing out of every includer
  std::vector<TcpConnection*> batch_;
  std::vector<TcpConnection*> queued_;  // the chunk in flight, by completion tag
  std::vector<int32_t> results_;        // their sends' results, by the same tag
  std::vector<TcpConnection*> self_flushing_;
  std::atomic<uint64_t> submissions_{0};
  std::atomic<uint64_t> sends_{0};
};

}  // namespace sb::transport

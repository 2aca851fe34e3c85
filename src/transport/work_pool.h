#pragma once
#include <condition_variable>
#include <functional>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

namespace sb::transport {

// A few threads for work that must never run on an event loop (password hashing, blocking
// calls). Results go back to a loop with EventLoop::post.
class WorkPool {
 public:
  explicit WorkPool(unsigned threads);
  ~WorkPool();  // finishes queued work, then joins
  WorkPool(const WorkPool&) = delete;
  WorkPool& operator=(const WorkPool&) = delete;
  // Thread-safe: queues fn to run on a pool thread.
  void submit(std::function<void()> fn);
  // Thread-safe: queues fn unless max_queued tasks already wait; false (fn dropped) then.
  bool try_submit(std::function<void()> fn, size_t max_queued);

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::queue<std::function<void()>> queue_;
  std::vector<std::thread> threads_;
  bool stopping_ = false;
};

}  // namespace sb::transport

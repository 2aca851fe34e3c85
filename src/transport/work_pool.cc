#include "transport/work_pool.h"

namespace sb::transport {

WorkPool::WorkPool(unsigned threads) {
  for (unsigned i = 0; i < threads; ++i) {
    threads_.emplace_back([this] {
      for (;;) {
        std::function<void()> task;
        {
          std::unique_lock lock(mutex_);
          ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
          if (queue_.empty()) return;
          task = std::move(queue_.front());
          queue_.pop();
        }
        task();
      }
    });
  }
}

WorkPool::~WorkPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  ready_.notify_all();
  for (auto& t : threads_) t.join();
}

void WorkPool::submit(std::function<void()> fn) {
  {
    std::lock_guard lock(mutex_);
    queue_.push(std::move(fn));
  }
  ready_.notify_one();
}

bool WorkPool::try_submit(std::function<void()> fn, size_t max_queued) {
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= max_queued) return false;
    queue_.push(std::move(fn));
  }
  ready_.notify_one();
  return true;
}

}  // namespace sb::transport

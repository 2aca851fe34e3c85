#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace sb::bench {

// Latency samples in microseconds; percentiles by sorting once at the end.
class LatencySamples {
 public:
  void add(uint64_t microseconds) { samples_.push_back(static_cast<uint32_t>(microseconds > UINT32_MAX ? UINT32_MAX : microseconds)); }
  size_t count() const { return samples_.size(); }
  // Sorts and returns the q-quantile (0..1) in microseconds; 0 without samples.
  uint64_t quantile(double q);

 private:
  std::vector<uint32_t> samples_;
  bool sorted_ = false;
};

// Resident set size of a process in kilobytes (from /proc/<pid>/status), or 0.
uint64_t rss_kb(int pid);
// Monotonic clock in nanoseconds (the same clock the publisher stamps into messages).
uint64_t now_ns();

}  // namespace sb::bench

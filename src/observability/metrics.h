#pragma once
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace sb::observability {

// Fixed-bucket latency histogram (microsecond observations, rendered in seconds).
class LatencyHistogram {
 public:
  static constexpr std::array<uint64_t, 14> kBucketUpperUs = {
      100, 250, 500, 1000, 2500, 5000, 10000, 20000, 50000, 100000, 250000, 500000, 1000000, 5000000};
  void observe(uint64_t microseconds);
  // Appends Prometheus histogram lines for metric `name` summed over `histograms`.
  static void render(const std::vector<const LatencyHistogram*>& histograms, const std::string& name,
                     const std::string& help, std::string& out);

  // Observations per bucket (not cumulative; the last one is past the largest bound), their
  // count and their sum, summed over `histograms`.
  struct Totals {
    std::array<uint64_t, kBucketUpperUs.size() + 1> buckets{};
    uint64_t count = 0;
    uint64_t sum_us = 0;
  };
  static Totals totals(const std::vector<const LatencyHistogram*>& histograms);

 private:
  std::array<std::atomic<uint64_t>, kBucketUpperUs.size() + 1> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_us_{0};
};

// Counters owned by one loop (written by its thread, read by /metrics from any thread).
struct LoopMetrics {
  std::atomic<uint64_t> connections_open{0};
  std::atomic<uint64_t> connections_accepted{0};
  std::atomic<uint64_t> connections_refused{0};
  std::atomic<uint64_t> connections_shed{0};  // closed at accept: no descriptor was left
  std::atomic<uint64_t> connections_handed_over{0};  // moved to the loop owning their session
  std::atomic<uint64_t> websockets_open{0};
  std::atomic<uint64_t> websocket_upgrades{0};
  std::atomic<uint64_t> messages_in{0};
  std::atomic<uint64_t> messages_out{0};
  std::atomic<uint64_t> http_requests{0};
  std::atomic<uint64_t> messages_per_second{0};  // messages in, over the last sweep interval
  std::atomic<uint64_t> request_head_timeouts{0};  // HTTP request heads that missed their deadline
  std::atomic<uint64_t> request_body_timeouts{0};  // HTTP request bodies that missed theirs
  // permessage-deflate contexts kept per connection (opted in) and the bytes they hold.
  std::atomic<uint64_t> deflate_contexts{0};
  std::atomic<uint64_t> deflate_context_bytes{0};
  LatencyHistogram publish_to_write;

  // Counts an error by its code: HTTP statuses, dialect error codes, WebSocket close codes.
  void count_error(int code);
  struct ErrorCount {
    std::atomic<int> code{0};
    std::atomic<uint64_t> count{0};
  };
  std::array<ErrorCount, 32> errors;
};

// Gauges and counters rendered in Prometheus text format.
struct MetricsSnapshot {
  uint64_t fanout_deliveries = 0;  // publications written to subscribers, counted per publication by the hub
  std::vector<std::pair<std::string, uint64_t>> extra_counters;  // name -> value
  std::vector<std::pair<std::string, uint64_t>> extra_gauges;
};

// Renders the sum over all loops plus the given extras.
std::string render_prometheus(const std::vector<const LoopMetrics*>& loops, uint64_t bytes_in,
                              uint64_t bytes_out, const MetricsSnapshot& extras);

// The same counters as a small JSON object for the console's live chart (GET /api/stats):
// connections, totals of messages in and out, publications and deliveries, messages per
// second, and the publish-to-write histogram (per-bucket counts, so that a reader can take
// the p99 of the interval between two reads) with its p99 since start.
std::string render_stats_json(const std::vector<const LoopMetrics*>& loops, uint64_t messages_per_second,
                              uint64_t now_ms, const MetricsSnapshot& extras);

}  // namespace sb::observability

#include "observability/metrics.h"

#include <map>

#include "json/json_writer.h"

namespace sb::observability {

namespace {

// A counter summed over every loop.
template <typename Member>
uint64_t sum_over(const std::vector<const LoopMetrics*>& loops, Member member) {
  uint64_t total = 0;
  for (const auto* m : loops) total += (m->*member).load(std::memory_order_relaxed);
  return total;
}

std::vector<const LatencyHistogram*> publish_to_write_histograms(const std::vector<const LoopMetrics*>& loops) {
  std::vector<const LatencyHistogram*> histograms;
  for (const auto* m : loops) histograms.push_back(&m->publish_to_write);
  return histograms;
}

}  // namespace

void LatencyHistogram::observe(uint64_t microseconds) {
  size_t i = 0;
  while (i < kBucketUpperUs.size() && microseconds > kBucketUpperUs[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_us_.fetch_add(microseconds, std::memory_order_relaxed);
}

void LatencyHistogram::render(const std::vector<const LatencyHistogram*>& histograms, const std::string& name,
                              const std::string& help, std::string& out) {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " histogram\n";
  Totals t = totals(histograms);
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= kBucketUpperUs.size(); ++i) {
    cumulative += t.buckets[i];
    std::string le = i < kBucketUpperUs.size() ? std::to_string(static_cast<double>(kBucketUpperUs[i]) / 1e6) : "+Inf";
    out += name + "_bucket{le=\"" + le + "\"} " + std::to_string(cumulative) + "\n";
  }
  out += name + "_sum " + std::to_string(static_cast<double>(t.sum_us) / 1e6) + "\n";
  out += name + "_count " + std::to_string(t.count) + "\n";
}

LatencyHistogram::Totals LatencyHistogram::totals(const std::vector<const LatencyHistogram*>& histograms) {
  Totals t;
  for (const auto* h : histograms) {
    for (size_t i = 0; i < t.buckets.size(); ++i) t.buckets[i] += h->buckets_[i].load(std::memory_order_relaxed);
    t.count += h->count_.load(std::memory_order_relaxed);
    t.sum_us += h->sum_us_.load(std::memory_order_relaxed);
  }
  return t;
}

void LoopMetrics::count_error(int code) {
  // Few distinct codes exist; a linear probe over a small fixed table needs no lock
  // (each loop's table is written by its own thread only).
  for (auto& slot : errors) {
    int current = slot.code.load(std::memory_order_relaxed);
    if (current == code) {
      slot.count.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    if (current == 0) {
      slot.code.store(code, std::memory_order_relaxed);
      slot.count.fetch_add(1, std::memory_order_relaxed);
      return;
    }
  }
}

std::string render_prometheus(const std::vector<const LoopMetrics*>& loops, uint64_t bytes_in,
                              uint64_t bytes_out, const MetricsSnapshot& extras) {
  std::string out;
  auto sum = [&](auto member) { return sum_over(loops, member); };
  auto line = [&](const char* name, const char* type, const char* help, uint64_t value) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
    out += std::string(name) + " " + std::to_string(value) + "\n";
  };
  line("switchboard_connections", "gauge", "Open TCP connections.", sum(&LoopMetrics::connections_open));
  line("switchboard_websocket_connections", "gauge", "Open WebSocket connections.", sum(&LoopMetrics::websockets_open));
  line("switchboard_deflate_contexts", "gauge", "Connections keeping their own permessage-deflate context.",
       sum(&LoopMetrics::deflate_contexts));
  line("switchboard_deflate_context_bytes", "gauge", "Memory held by per-connection permessage-deflate contexts.",
       sum(&LoopMetrics::deflate_context_bytes));
  line("switchboard_connections_accepted_total", "counter", "TCP connections accepted.",
       sum(&LoopMetrics::connections_accepted));
  line("switchboard_connections_refused_total", "counter", "Connections refused by limits.",
       sum(&LoopMetrics::connections_refused));
  line("switchboard_connections_shed_total", "counter", "Connections closed at accept at the descriptor limit.",
       sum(&LoopMetrics::connections_shed));
  line("switchboard_connections_handed_over_total", "counter",
       "Connections moved to the loop that holds the session their request names.",
       sum(&LoopMetrics::connections_handed_over));
  line("switchboard_websocket_upgrades_total", "counter", "Successful WebSocket handshakes.",
       sum(&LoopMetrics::websocket_upgrades));
  line("switchboard_messages_in_total", "counter", "WebSocket messages received.", sum(&LoopMetrics::messages_in));
  line("switchboard_messages_out_total", "counter", "WebSocket messages sent (replies and deliveries).",
       sum(&LoopMetrics::messages_out) + extras.fanout_deliveries);
  line("switchboard_http_requests_total", "counter", "HTTP requests served.", sum(&LoopMetrics::http_requests));
  out += "# HELP switchboard_http_request_timeouts_total HTTP requests that missed their head or body deadline (408).\n";
  out += "# TYPE switchboard_http_request_timeouts_total counter\n";
  out += "switchboard_http_request_timeouts_total{phase=\"head\"} " +
         std::to_string(sum(&LoopMetrics::request_head_timeouts)) + "\n";
  out += "switchboard_http_request_timeouts_total{phase=\"body\"} " +
         std::to_string(sum(&LoopMetrics::request_body_timeouts)) + "\n";
  line("switchboard_bytes_in_total", "counter", "Bytes read from sockets.", bytes_in);
  line("switchboard_bytes_out_total", "counter", "Bytes written to sockets.", bytes_out);
  for (const auto& [name, value] : extras.extra_counters) {
    out += "# TYPE " + name + " counter\n" + name + " " + std::to_string(value) + "\n";
  }
  for (const auto& [name, value] : extras.extra_gauges) {
    out += "# TYPE " + name + " gauge\n" + name + " " + std::to_string(value) + "\n";
  }
  std::map<int, uint64_t> errors;
  for (const auto* m : loops) {
    for (const auto& slot : m->errors) {
      int code = slot.code.load(std::memory_order_relaxed);
      if (code != 0) errors[code] += slot.count.load(std::memory_order_relaxed);
    }
  }
  out += "# HELP switchboard_errors_total Errors by code (HTTP status, dialect error code or close code).\n";
  out += "# TYPE switchboard_errors_total counter\n";
  for (const auto& [code, count] : errors) {
    out += "switchboard_errors_total{code=\"" + std::to_string(code) + "\"} " + std::to_string(count) + "\n";
  }
  LatencyHistogram::render(publish_to_write_histograms(loops), "switchboard_publish_to_write_seconds",
                           "Time from publish to the write of the delivering loop.", out);
  return out;
}

std::string render_stats_json(const std::vector<const LoopMetrics*>& loops, uint64_t messages_per_second,
                              uint64_t now_ms, const MetricsSnapshot& extras) {
  LatencyHistogram::Totals latency = LatencyHistogram::totals(publish_to_write_histograms(loops));
  auto list = [](const auto& values) {
    std::string text = "[";
    for (size_t i = 0; i < values.size(); ++i) text += (i ? "," : "") + std::to_string(values[i]);
    return text + "]";
  };
  std::string histogram;
  json::ObjectWriter(histogram).raw("bucketsUs", list(LatencyHistogram::kBucketUpperUs))
      .raw("counts", list(latency.buckets)).number("count", static_cast<int64_t>(latency.count))
      .number("sumUs", static_cast<int64_t>(latency.sum_us)).end();
  // The p99 as the upper bound of the bucket holding the 99th percentile (null when empty
  // or past the largest bound).
  std::string p99 = "null";
  uint64_t rank = latency.count - latency.count / 100, seen = 0;
  for (size_t i = 0; latency.count > 0 && i < LatencyHistogram::kBucketUpperUs.size(); ++i) {
    seen += latency.buckets[i];
    if (seen >= rank) {
      p99 = std::to_string(static_cast<double>(LatencyHistogram::kBucketUpperUs[i]) / 1000.0);
      break;
    }
  }
  std::string out;
  json::ObjectWriter w(out);
  auto field = [&](std::string_view name, uint64_t value) { w.number(name, static_cast<int64_t>(value)); };
  field("time", now_ms);
  field("connections", sum_over(loops, &LoopMetrics::connections_open));
  field("websockets", sum_over(loops, &LoopMetrics::websockets_open));
  field("messagesIn", sum_over(loops, &LoopMetrics::messages_in));
  field("messagesOut", sum_over(loops, &LoopMetrics::messages_out) + extras.fanout_deliveries);
  field("messagesPerSecond", messages_per_second);
  for (const auto& [name, value] : extras.extra_gauges) field(name, value);
  for (const auto& [name, value] : extras.extra_counters) field(name, value);
  w.raw("publishToWrite", histogram).raw("p99Ms", p99).end();
  return out;
}

}  // namespace sb::observability

#include <sys/socket.h>

#include <algorithm>
#include <cstdio>
#include <thread>

#include "client_frame.h"
#include "driver.h"

namespace sb::bench {

RunResult Driver::cursors() {
  const std::string channel = "document:" + o_.channel;
  uint64_t t0 = now_ns();
  connect_many(o_.subscribers, false, [&](int) { return std::vector<std::string>{channel}; });
  uint64_t expected_joins = static_cast<uint64_t>(o_.subscribers) * static_cast<uint64_t>(o_.subscribers - 1) / 2;
  while (result_.presence_joins < expected_joins && now_ns() < t0 + 30ULL * 1000000000ULL) poll(5);
  result_.join_ms = (now_ns() - t0) / 1000000;
  result_.connections = ready_;

  uint64_t start = now_ns();
  uint64_t end = start + static_cast<uint64_t>(o_.duration * 1e9);
  double per_second = o_.hz * static_cast<double>(conns_.size());
  uint64_t sent = 0;
  while (now_ns() < end) {
    uint64_t due = static_cast<uint64_t>(static_cast<double>(now_ns() - start) / 1e9 * per_second);
    for (; sent < due; ++sent) {
      Conn& c = *conns_[sent % conns_.size()];
      if (c.fd < 0) continue;
      std::string frame;
      append_client_frame(frame, 1, "{\"type\":\"CURSOR_POSITION\",\"payload\":{\"documentId\":\"" + o_.channel +
                                        "\",\"position\":{\"t\":" + std::to_string(now_ns()) + ",\"page\":1,\"x\":" +
                                        std::to_string(sent % 800) + ",\"y\":200}}}");
      c.out.append(frame);
    }
    for (auto& c : conns_) {
      if (!c->out.empty() && c->fd >= 0) flush(*c);
    }
    poll(1);
  }
  result_.published = sent;
  result_.publish_seconds = static_cast<double>(now_ns() - start) / 1e9;
  uint64_t drain = now_ns() + 300000000ULL;
  while (now_ns() < drain) poll(5);
  result_.deliveries_per_second = static_cast<double>(result_.delivered) / result_.publish_seconds;
  result_.p50_us = latency_.quantile(0.5);
  result_.p99_us = latency_.quantile(0.99);
  result_.p999_us = latency_.quantile(0.999);
  result_.max_us = latency_.quantile(1.0);

  // Leave one by one, last first: each departure must reach everyone still there
  // (USER_LEFT) before the next one leaves.
  uint64_t l0 = now_ns();
  uint64_t expected_leaves = 0;
  for (size_t k = conns_.size(); k-- > 1;) {
    close_conn(*conns_[k]);
    expected_leaves += k;
    uint64_t deadline = now_ns() + 2000000000ULL;
    while (result_.presence_leaves < expected_leaves && now_ns() < deadline) poll(1);
  }
  result_.leave_ms = (now_ns() - l0) / 1000000;
  return result_;
}

RunResult Driver::fanout() {
  uint64_t t0 = now_ns();
  if (!connect_many(o_.subscribers, false, [&](int) { return std::vector<std::string>{o_.channel}; })) {
    std::fprintf(stderr, "bench: only %d of %d subscribers ready (%d errors)\n", ready_, o_.subscribers, result_.errors);
  }
  result_.connect_ms = (now_ns() - t0) / 1000000;
  std::vector<Conn*> publishers;
  size_t before = conns_.size();
  connect_many(o_.publishers, true, [](int) { return std::vector<std::string>{}; });
  for (size_t i = before; i < conns_.size(); ++i) publishers.push_back(conns_[i].get());
  result_.connections = ready_;

  std::string padding(static_cast<size_t>(std::max(1, o_.payload - 45)), 'x');
  uint64_t start = now_ns();
  uint64_t end = start + static_cast<uint64_t>(o_.duration * 1e9);
  uint64_t sent = 0;
  std::vector<uint64_t> seq(publishers.size(), 0);
  std::string frame;
  // --report-every: one line per interval, its latency from that interval's samples only
  // (a long soak would not keep every sample).
  uint64_t report_ns = static_cast<uint64_t>(o_.report_every * 1e9);
  uint64_t next_report = start + report_ns;
  uint64_t delivered_at_report = 0;
  while (now_ns() < end) {
    if (report_ns != 0 && now_ns() >= next_report) {
      std::printf("interval t=%.0f delivered_per_s=%.0f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f\n",
                  static_cast<double>(next_report - start) / 1e9,
                  static_cast<double>(result_.delivered - delivered_at_report) / o_.report_every,
                  static_cast<double>(latency_.quantile(0.5)) / 1000, static_cast<double>(latency_.quantile(0.99)) / 1000,
                  static_cast<double>(latency_.quantile(1.0)) / 1000);
      std::fflush(stdout);
      latency_ = LatencySamples();
      delivered_at_report = result_.delivered;
      next_report += report_ns;
    }
    uint64_t due = static_cast<uint64_t>(static_cast<double>(now_ns() - start) / 1e9 * o_.rate);
    // Bounded bursts keep the client responsive to its own receive side.
    uint64_t burst = std::min<uint64_t>(due - std::min(due, sent), 2000);
    for (uint64_t k = 0; k < burst; ++k) {
      size_t w = static_cast<size_t>(sent % publishers.size());
      frame.clear();
      std::string body = "{\"type\":\"message\",\"topic\":\"" + o_.channel + "\",\"data\":{\"t\":" +
                         std::to_string(now_ns()) + ",\"s\":" + std::to_string(seq[w]++) + ",\"w\":" +
                         std::to_string(w) + ",\"p\":\"" + padding + "\"}}";
      append_client_frame(frame, 1, body);
      publishers[w]->out.append(frame);
      ++sent;
    }
    for (Conn* p : publishers) {
      if (!p->out.empty() && p->fd >= 0) flush(*p);
    }
    poll(burst > 0 ? 0 : 1);
  }
  result_.publish_seconds = static_cast<double>(now_ns() - start) / 1e9;
  result_.published = sent;
  uint64_t expected = sent * static_cast<uint64_t>(o_.subscribers);
  uint64_t drain_deadline = now_ns() + 5ULL * 1000000000ULL;
  while (result_.delivered < expected && now_ns() < drain_deadline) poll(10);
  double elapsed = static_cast<double>(now_ns() - start) / 1e9;
  result_.deliveries_per_second = static_cast<double>(result_.delivered) / elapsed;
  result_.p50_us = latency_.quantile(0.5);
  result_.p99_us = latency_.quantile(0.99);
  result_.p999_us = latency_.quantile(0.999);
  result_.max_us = latency_.quantile(1.0);
  return result_;
}

RunResult Driver::idle() {
  // One connection first, held open and left out of the count: the first authenticated,
  // subscribed connection faults in code every connection then shares (the crypto
  // library's HMAC, the JSON parser: about 2 MB of library pages on our server), which is
  // the process's cost once, not a connection's.
  connect_many(1, false, [](int) { return std::vector<std::string>{"idle.warmup.room", "idle.warmup.user"}; });
  int warmed = ready_;
  uint64_t warm_settle = now_ns() + 200000000ULL;
  while (now_ns() < warm_settle) poll(50);
  if (o_.server_pid) result_.rss_before_kb = rss_kb(o_.server_pid);
  uint64_t t0 = now_ns();
  connect_many(o_.subscribers, false, [&](int i) {
    return std::vector<std::string>{"idle.room." + std::to_string(i % 100), "idle.user." + std::to_string(i)};
  });
  result_.connect_ms = (now_ns() - t0) / 1000000;
  result_.connections = ready_ - warmed;
  uint64_t settle = now_ns() + 2000000000ULL;
  while (now_ns() < settle) poll(50);
  if (o_.server_pid) result_.rss_after_kb = rss_kb(o_.server_pid);
  uint64_t hold = now_ns() + static_cast<uint64_t>(o_.hold * 1e9);
  while (now_ns() < hold) poll(50);
  return result_;
}

RunResult Driver::connect_rate() {
  uint64_t start = now_ns();
  uint64_t end = start + static_cast<uint64_t>(o_.duration * 1e9);
  int in_flight = 0;
  uint64_t completed = 0;
  std::vector<Conn*> open_conns;
  while (now_ns() < end) {
    while (in_flight < o_.concurrency) {
      if (Conn* c = open(false, 0, {})) {
        open_conns.push_back(c);
        ++in_flight;
      } else {
        break;
      }
    }
    poll(1);
    for (auto& c : open_conns) {
      if (c == nullptr) continue;
      if (c->state == Conn::State::kReady) {
        ++completed;
        // Reset instead of FIN: a run of tens of thousands of short connections would
        // otherwise exhaust the ephemeral ports with TIME_WAIT sockets.
        linger no_linger{1, 0};
        setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &no_linger, sizeof no_linger);
        close_conn(*c);
        c = nullptr;
        --in_flight;
      } else if (c->state == Conn::State::kClosed) {
        c = nullptr;
        --in_flight;
      }
    }
    std::erase(open_conns, nullptr);
    // Free finished connection records so a long run does not grow without bound.
    std::erase_if(conns_, [](const std::unique_ptr<Conn>& c) { return c->state == Conn::State::kClosed; });
  }
  result_.connections = static_cast<int>(completed);
  result_.connects_per_second = static_cast<double>(completed) / (static_cast<double>(now_ns() - start) / 1e9);
  return result_;
}

RunResult run_benchmark(const BenchOptions& options) {
  Driver driver(options);
  if (options.mode == "idle") return driver.idle();
  if (options.mode == "connect") return driver.connect_rate();
  if (options.mode == "cursors") return driver.cursors();
  if (options.mode == "storm") return driver.storm();
  return driver.fanout();
}

}  // namespace sb::bench

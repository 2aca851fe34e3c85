// The reconnect storm: what a server restart does to a node full of clients.
#include <algorithm>
#include <cstdio>
#include <random>

#include "driver.h"

namespace sb::bench {

namespace {
std::vector<std::string> storm_channels(int i) {
  return {"storm.room." + std::to_string(i % 100), "storm.user." + std::to_string(i)};
}
}  // namespace

RunResult Driver::storm() {
  const int n = o_.subscribers;
  uint64_t t0 = now_ns();
  connect_many(n, false, storm_channels);
  result_.connect_ms = (now_ns() - t0) / 1000000;
  result_.connections = ready_;
  if (ready_ < n) return result_;
  // The script restarts the server once it reads this line.
  std::printf("storm: ready connections=%d\n", ready_);
  std::fflush(stdout);

  // Every connection notices the server going away (a Close frame, or the reset).
  std::vector<Conn*> slot(static_cast<size_t>(n));
  std::vector<int> user(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    slot[static_cast<size_t>(i)] = conns_[static_cast<size_t>(i)].get();
    user[static_cast<size_t>(i)] = conns_[static_cast<size_t>(i)]->user;
  }
  std::vector<uint64_t> lost_at(static_cast<size_t>(n), 0);
  uint64_t wait_until = now_ns() + static_cast<uint64_t>(o_.duration * 1e9);
  int lost = 0;
  while (lost < n && now_ns() < wait_until) {
    poll(20);
    for (int i = 0; i < n; ++i) {
      if (lost_at[static_cast<size_t>(i)] == 0 && slot[static_cast<size_t>(i)]->fd < 0) {
        lost_at[static_cast<size_t>(i)] = now_ns();
        ++lost;
      }
    }
  }
  if (lost < n) {
    std::fprintf(stderr, "storm: only %d of %d connections saw the server go away\n", lost, n);
    result_.errors = n - lost;
    return result_;
  }
  uint64_t all_lost = now_ns();

  // Each client comes back at a random moment within the spread after it lost its
  // connection, as clients with jittered reconnect delays do; a refused attempt is tried
  // again 50 to 150 ms later.
  std::mt19937_64 random(42);
  std::uniform_int_distribution<uint64_t> first_delay(0, static_cast<uint64_t>(o_.spread * 1e9));
  std::uniform_int_distribution<uint64_t> retry_delay(50000000, 150000000);
  std::vector<uint64_t> due(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) due[static_cast<size_t>(i)] = lost_at[static_cast<size_t>(i)] + first_delay(random);
  std::vector<bool> back(static_cast<size_t>(n), false);
  std::vector<uint64_t> outage, handshake;  // per client: lost to back; last attempt to back
  outage.reserve(static_cast<size_t>(n));
  handshake.reserve(static_cast<size_t>(n));
  std::vector<uint64_t> attempt(static_cast<size_t>(n), 0);
  std::fill(slot.begin(), slot.end(), nullptr);
  result_.errors = 0;
  ready_ = 0;
  uint64_t first_back = 0, last_back = 0, retries = 0;
  uint64_t give_up = now_ns() + 60ULL * 1000000000ULL;
  int recovered = 0;
  while (recovered < n && now_ns() < give_up) {
    uint64_t now = now_ns();
    for (int i = 0; i < n; ++i) {
      auto k = static_cast<size_t>(i);
      if (back[k]) continue;
      Conn* c = slot[k];
      if (c != nullptr && c->state == Conn::State::kReady) {
        back[k] = true;
        ++recovered;
        last_back = now;
        if (first_back == 0) first_back = now;
        outage.push_back(now - lost_at[k]);
        handshake.push_back(now - attempt[k]);
        continue;
      }
      if (c != nullptr && c->state == Conn::State::kClosed) {  // refused, or reset while starting
        slot[k] = nullptr;
        ++retries;
        due[k] = now + retry_delay(random);
      }
      if (slot[k] == nullptr && now >= due[k]) {
        attempt[k] = now;
        slot[k] = open(false, i, storm_channels(i), user[k]);
      }
    }
    // Records of refused attempts are not needed any more (none is in a slot now; one that
    // closes during the poll below is taken out of its slot first, on the next pass).
    std::erase_if(conns_, [](const std::unique_ptr<Conn>& c) { return c->state == Conn::State::kClosed; });
    poll(1);
  }
  for (int i = 0; i < n; ++i) {
    auto k = static_cast<size_t>(i);
    if (back[k]) continue;
    std::fprintf(stderr, "storm: client %d not back (%s)\n", i,
                 slot[k] == nullptr ? "no connection" : slot[k]->state == Conn::State::kUpgrading ? "upgrading"
                                                      : slot[k]->state == Conn::State::kAuthing   ? "authenticating"
                                                      : slot[k]->state == Conn::State::kSubscribing ? "subscribing"
                                                                                                   : "connecting");
  }
  result_.connections = recovered;
  result_.errors = n - recovered;
  result_.retries = retries;
  result_.recovery_ms = (last_back - all_lost) / 1000000;
  result_.first_back_ms = first_back == 0 ? 0 : (first_back - all_lost) / 1000000;
  auto quantile = [](std::vector<uint64_t>& v, double q) -> uint64_t {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[static_cast<size_t>(q * static_cast<double>(v.size() - 1))] / 1000;
  };
  result_.p50_us = quantile(outage, 0.5);
  result_.p99_us = quantile(outage, 0.99);
  result_.max_us = quantile(outage, 1.0);
  result_.storm_handshake_p50_us = quantile(handshake, 0.5);
  result_.storm_handshake_p99_us = quantile(handshake, 0.99);
  return result_;
}

}  // namespace sb::bench

#include <charconv>
#include <cstdio>

#include "hub/broker.h"

namespace sb::hub {

namespace {

// Clocks of different nodes (a position read on one, resumed on another) may disagree by
// this much.
constexpr uint64_t kClockMarginS = 2;

// Reads "u-<origin>-<second hex>"; false for anything else.
bool parse_unstarted_epoch(std::string_view epoch, std::string_view& origin, uint64_t& read_s) {
  if (!epoch.starts_with("u-")) return false;
  epoch.remove_prefix(2);
  size_t dash = epoch.rfind('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 == epoch.size()) return false;
  origin = epoch.substr(0, dash);
  std::string_view second = epoch.substr(dash + 1);
  auto [end, ec] = std::from_chars(second.data(), second.data() + second.size(), read_s, 16);
  return ec == std::errc() && end == second.data() + second.size();
}

}  // namespace

std::string unstarted_epoch(std::string_view origin, uint64_t now_s) {
  char second[24];
  std::snprintf(second, sizeof second, "%llx", static_cast<unsigned long long>(now_s));
  std::string out = "u-";
  out.append(origin);
  out += '-';
  out += second;
  return out;
}

bool can_recover(const StreamPosition& since, const HistoryResult& history) {
  if (!history.ok || !history.keeps_history) return false;
  std::string_view origin;
  uint64_t read_s = 0;
  if (since.offset == 0 && parse_unstarted_epoch(since.epoch, origin, read_s)) {
    // A stream that started after the read is forgotten only once its first publication
    // expired, horizon_s later: within that, none can have come and gone unseen.
    const UnstartedScope& scope = history.scope;
    if (origin.empty() || origin != scope.origin) return false;
    uint64_t elapsed = scope.now_s + 1 > read_s ? scope.now_s + 1 - read_s : 0;
    if (elapsed + kClockMarginS > scope.horizon_s) return false;
    return history.top.offset == 0 || history.first_offset == 1;
  }
  if (since.epoch != history.top.epoch || since.offset > history.top.offset) return false;
  if (since.offset == history.top.offset) return true;
  return history.first_offset != 0 && history.first_offset <= since.offset + 1;
}

}  // namespace sb::hub

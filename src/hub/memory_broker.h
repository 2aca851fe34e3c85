#pragma once
#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>

#include "hub/broker.h"

namespace sb::hub {

class Hub;

// A random stream epoch: 8 lowercase hex characters.
std::string new_epoch();

// The broker of a single node: publications go straight to the hub, and channels whose
// rule keeps history keep their recent publications here, in memory, with offsets that
// start at 1 and an epoch chosen when the stream starts (a restart loses the history, so
// every stream gets a new epoch and old positions no longer recover).
// A stream record exists only from a channel's first publication: reading a position of a
// channel that never published answers an unstarted one (broker.h) and keeps nothing. A
// record whose publications all expired is freed at the next upkeep once no subscriber on
// the node holds the channel (the hub tells which channels have one), and after meta_ttl
// whatever happens.
class MemoryBroker final : public Broker {
 public:
  // retention: the rule for each channel (empty: no channel keeps history). meta_ttl_ms:
  // how long a stream whose publications all expired remembers its offset and epoch.
  // clock_ms: wall clock in ms (tests pass their own).
  MemoryBroker(Hub& hub, RetentionLookup retention, uint64_t meta_ttl_ms,
               std::function<uint64_t()> clock_ms = system_clock_ms);

  void publish(std::shared_ptr<Publication> publication, size_t origin, PublishDone done) override;
  void read_history(std::string_view channel, uint64_t after_offset, size_t limit, size_t origin,
                    HistoryDone done) override;
  void maintain(uint64_t now_ms) override;
  bool wants_interest_in(std::string_view pattern) const override;

  // Streams currently held (for tests and metrics).
  size_t stream_count();
  static uint64_t system_clock_ms();

 private:
  struct Entry {
    PublicationPtr publication;
    uint64_t expires_ms;
  };
  struct Stream {
    std::string epoch;
    uint64_t top = 0;
    std::deque<Entry> entries;
    uint64_t touched_ms = 0;
  };
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Bucket {
    std::mutex mutex;
    std::unordered_map<std::string, Stream, StringHash, std::equal_to<>> streams;
  };

  Bucket& bucket(std::string_view channel);
  // Numbers the publication, keeps it and hands it to every loop, under its stream's lock.
  void append_and_fan_out(const std::shared_ptr<Publication>& publication, Retention rule);
  // The channel's stream, started with a fresh epoch when absent. Bucket lock held.
  Stream& stream_locked(Bucket& bucket, std::string_view channel, uint64_t now_ms);
  // Whether a record without publications can go: nobody on the node follows the channel,
  // or it has been idle for meta_ttl. Bucket lock held.
  bool forgettable(const std::string& channel, const Stream& stream, uint64_t now_ms) const;
  static void drop_expired(Stream& stream, uint64_t now_ms);

  Hub& hub_;
  RetentionLookup retention_;
  uint64_t meta_ttl_ms_;
  std::function<uint64_t()> clock_ms_;
  std::string origin_ = new_epoch();  // this process, for unstarted positions
  std::array<Bucket, 64> buckets_;
  std::mutex maintain_mutex_;
  uint64_t next_maintain_ms_ = 0;
};

}  // namespace sb::hub

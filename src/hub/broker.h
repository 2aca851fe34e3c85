#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hub/publication.h"

namespace sb::hub {

// How long a channel keeps its recent publications (from the channel policy); size 0 means
// the channel keeps none.
struct Retention {
  uint32_t size = 0;    // publications kept
  uint32_t ttl_s = 0;   // seconds each is kept
  bool keeps_history() const { return size != 0 && ttl_s != 0; }
};
using RetentionLookup = std::function<Retention(std::string_view channel)>;

// A place in a channel's stream: the offset of the last publication seen and the epoch of
// the stream it belongs to (a new epoch means the history was lost and offsets restarted).
struct StreamPosition {
  uint64_t offset = 0;
  std::string epoch;
};

// A channel whose stream has not started (nothing published since the broker's origin
// began, or its stream was forgotten) keeps no record: a read answers offset 0 and an
// unstarted epoch, "u-<origin>-<second>" (where and when it was read, second in hex). The
// origin is the broker's: a process for the memory broker, a Redis data set for a cluster
// (a restart or a flush gives a new one). Real epochs never hold a '-'.
std::string unstarted_epoch(std::string_view origin, uint64_t now_s);

// What a read tells about the broker, to judge an unstarted position (can_recover).
struct UnstartedScope {
  std::string origin;      // the broker's origin now
  uint64_t now_s = 0;      // its wall clock, seconds
  uint32_t horizon_s = 0;  // the channel's history TTL: no stream is forgotten sooner after it started
};

// What a history read found.
struct HistoryResult {
  bool ok = true;             // false: the broker could not answer (error says why)
  std::string error;
  bool keeps_history = false; // the channel's rule keeps history
  StreamPosition top;         // the latest offset and the stream's epoch (unstarted: 0, see above)
  uint64_t first_offset = 0;  // offset of the oldest publication still kept (0: none kept)
  std::vector<PublicationPtr> publications;  // after the asked offset, oldest first
  UnstartedScope scope;
};
using HistoryDone = std::function<void(HistoryResult)>;
// Whether the broker accepted a publication (for a cluster: Redis holds it), and the
// position it was given when its channel keeps history (offset 0 otherwise).
using PublishDone = std::function<void(bool accepted, StreamPosition position)>;

// Whether a client that last saw `since` can be brought up to date from `history` (read
// with since.offset): same epoch, not beyond the stream, and nothing between since and the
// first kept publication was dropped. From an unstarted position: the broker's origin is
// the same, too little time passed for a stream to have started and been forgotten since
// (less than the history TTL, with a margin for clocks), and the stream, if it started
// meanwhile, still holds its first publication.
bool can_recover(const StreamPosition& since, const HistoryResult& history);

// Where publications leave and enter this node. The memory broker keeps everything on the
// node; a cluster broker carries each publication to the other nodes once. Either way the
// hub delivers what the broker hands back exactly as it delivers a local publication.
class Broker {
 public:
  virtual ~Broker() = default;
  // Publishes from the thread of loop `origin` (or any thread with kNoOrigin). A channel
  // that keeps history gets the publication's offset and epoch stamped here, before any
  // subscriber sees it; every node's subscribers of the channel receive it in offset order.
  // done (optional) runs on loop `origin` once the publication is safe with the broker (a
  // backend is answered then); with done the broker refuses at once rather than queueing
  // while it cannot reach its store, without it a publication waits for the store.
  virtual void publish(std::shared_ptr<Publication> publication, size_t origin, PublishDone done) = 0;
  // Reads what `channel` kept after `after_offset` (0: all), at most `limit`, for loop
  // `origin`: done runs on that loop's thread, possibly before this returns. A channel this
  // node watches is read only once its subscription is in place, so that nothing published
  // between the read and the first live publication goes missing (a cluster broker also
  // answers channels without history that way: the caller learns the subscription is live).
  virtual void read_history(std::string_view channel, uint64_t after_offset, size_t limit, size_t origin,
                            HistoryDone done) = 0;
  // done runs on loop `origin` (possibly before this returns) once the node hears every
  // node's publications matching `pattern`, which a subscriber of this loop watches: a
  // cluster broker waits until Redis confirmed the pattern's subscription (or could not,
  // its link being down); the memory broker answers at once.
  virtual void await_pattern(std::string_view /*pattern*/, size_t /*origin*/, std::function<void()> done) { done(); }
  // Whether the broker wants to hear which channels and patterns this node's subscribers
  // hold (a cluster broker subscribes to exactly those); the memory broker does not.
  virtual bool wants_interest() const { return false; }
  // Whether it wants to hear of this one (every one when wants_interest(); the memory
  // broker: channels that keep history, whose records it frees once nobody follows them).
  // The same answer for a pattern every time it is asked.
  virtual bool wants_interest_in(std::string_view /*pattern*/) const { return wants_interest(); }
  // The node's first subscriber of a channel or pattern arrived / its last one left. Called
  // in order, from any loop thread, with the hub's interest lock held.
  virtual void watch(std::string_view /*pattern*/) {}
  virtual void unwatch(std::string_view /*pattern*/) {}
  // Stops the broker's own threads (after the loops stopped, before they are destroyed):
  // nothing reaches the hub afterwards.
  virtual void shutdown() {}
  // Empty when healthy, else why the node is degraded (for /health).
  virtual std::string problem() const { return {}; }
  // Periodic upkeep (dropping expired history), called from one loop every few seconds.
  virtual void maintain(uint64_t /*now_ms*/) {}

  static constexpr size_t kNoOrigin = static_cast<size_t>(-1);
};

}  // namespace sb::hub

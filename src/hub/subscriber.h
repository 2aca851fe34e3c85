#pragma once
#include <cstdint>
#include <vector>

#include "hub/publication.h"

namespace sb::hub {

class PatternTrie;
struct TrieNode;

// Anything that receives publications from the hub (a dialect session). Lives on one
// loop; the hub calls deliver() on that loop's thread only.
class Subscriber {
 public:
  // Hands one publication to the subscriber. Must not re-enter the hub's subscription
  // calls (sends are buffered, so a normal session never needs to).
  virtual void deliver(const Publication& publication) = 0;
  size_t subscription_count() const { return subscriptions_.size(); }

 protected:
  virtual ~Subscriber() = default;

 private:
  friend class PatternTrie;
  struct Subscription {
    TrieNode* node;
    uint32_t index_in_node;
  };
  std::vector<Subscription> subscriptions_;
  // Sequence of the last publication delivered: a publication matching several of this
  // subscriber's patterns is delivered once.
  uint64_t last_delivery_seq_ = 0;
};

}  // namespace sb::hub

#pragma once
#include <cstdint>
#include <string_view>

#include "hub/publication.h"
#include "hub/small_list.h"

namespace sb::hub {

class PatternTrie;
class PersonalChannels;
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
  friend class PersonalChannels;
  struct Subscription {
    TrieNode* node;
    uint32_t index_in_node;
  };
  // Inline for the first two: most connections hold one or two channels for their life.
  SmallList<Subscription, 2> subscriptions_;
  // Sequence of the last publication delivered: a publication matching several of this
  // subscriber's patterns is delivered once.
  uint64_t last_delivery_seq_ = 0;
  // Held by PersonalChannels while this subscriber hears `$all` and, when the user is named,
  // `user:<id>` and `$authenticated`: the user (empty when anonymous), the same user's next
  // subscriber on this loop, and the place in the list of all.
  // The user is a view kept as a pointer and a 16-bit size (a valid `user:<id>` channel is
  // far shorter), 6 bytes less than a string_view on every connection.
  std::string_view personal_user() const { return {personal_user_, personal_user_size_}; }
  const char* personal_user_ = nullptr;
  Subscriber* next_of_user_ = nullptr;
  uint32_t personal_index_ = UINT32_MAX;  // UINT32_MAX: not held
  uint16_t personal_user_size_ = 0;
  bool authenticated_ = false;
};

}  // namespace sb::hub

#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "hub/pointer_table.h"
#include "hub/subscriber.h"
#include "hub/topic.h"

namespace sb::hub {

// The channels a connection hears without asking: `$all` (every connection), and for a
// named user `$authenticated` and `user:<id>`. They are three of an idle connection's
// subscriptions, and in the trie each would cost an entry on both sides and the personal
// channel a node of its own. Here a connection costs a place in one list and, per user, a
// slot in a table whose element is the user's first subscriber on this loop (the others
// are chained from it). One per loop; its owner's thread only.
class PersonalChannels {
 public:
  // Adds subscriber (not held yet) under `$all`; when authenticated, under `$authenticated`;
  // when user is not empty, under `user:<user>`. user must stay valid and unchanged until
  // remove(), and `user:<user>` be a valid channel (a longer user is taken as none).
  void add(Subscriber& subscriber, std::string_view user, bool authenticated);
  // Takes subscriber out of all three; nothing when it is not held.
  void remove(Subscriber& subscriber);
  // Calls visit(Subscriber&) once per held subscriber that hears channel, skipping those
  // whose delivery sequence is already seq (reached through the trie for the same
  // publication) and marking the others with it.
  template <typename Visit>
  void match(std::string_view channel, uint64_t seq, Visit&& visit);
  // Called when one of these channels gets its first subscriber on this loop (true) or
  // loses its last (false), as PatternTrie::on_interest does for patterns.
  void on_interest(std::function<void(std::string_view channel, bool first)> hook) { interest_ = std::move(hook); }
  size_t size() const { return all_.size(); }

 private:
  struct UserOf {
    std::string_view operator()(const Subscriber& s) const { return s.personal_user(); }
  };
  void interest(std::string_view channel, std::string_view user, bool first);
  template <typename Visit>
  static void visit_once(Subscriber& s, uint64_t seq, Visit& visit) {
    if (s.last_delivery_seq_ == seq) return;
    s.last_delivery_seq_ = seq;
    visit(s);
  }

  std::vector<Subscriber*> all_;
  size_t authenticated_ = 0;
  PointerTable<Subscriber, UserOf> users_;  // each user's first subscriber here
  std::function<void(std::string_view, bool)> interest_;
  std::string channel_;  // scratch for interest()
};

template <typename Visit>
void PersonalChannels::match(std::string_view channel, uint64_t seq, Visit&& visit) {
  if (channel == "$all" || channel == "$authenticated") {
    bool named_only = channel != "$all";
    // A delivery must not add or remove subscribers (Subscriber::deliver's contract). Should
    // one remove itself anyway, walking from the end and reading the next link before the
    // visit still reaches every other subscriber once.
    for (size_t i = all_.size(); i-- > 0;) {
      if (i < all_.size() && (!named_only || all_[i]->authenticated_)) visit_once(*all_[i], seq, visit);
    }
    return;
  }
  if (!channel.starts_with("user:")) return;
  for (Subscriber* s = users_.find(channel.substr(5)); s != nullptr;) {
    Subscriber* next = s->next_of_user_;
    visit_once(*s, seq, visit);
    s = next;
  }
}

}  // namespace sb::hub

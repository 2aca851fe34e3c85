#include "hub/personal_channels.h"

namespace sb::hub {

// A subscriber keeps its user's size in 16 bits: any valid `user:` channel fits.
static_assert(kMaxChannelLength <= UINT16_MAX);

void PersonalChannels::add(Subscriber& subscriber, std::string_view user, bool authenticated) {
  if (user.size() > kMaxChannelLength) user = {};  // no such channel: callers pass valid ones
  subscriber.personal_index_ = static_cast<uint32_t>(all_.size());
  subscriber.personal_user_ = user.data();
  subscriber.personal_user_size_ = static_cast<uint16_t>(user.size());
  subscriber.authenticated_ = authenticated;
  all_.push_back(&subscriber);
  if (all_.size() == 1) interest("$all", {}, true);
  if (authenticated && ++authenticated_ == 1) interest("$authenticated", {}, true);
  if (user.empty()) return;
  // The newcomer heads the user's chain: the table's slot points at it.
  if (Subscriber* head = users_.find(user)) {
    subscriber.next_of_user_ = head;
    users_.replace(&subscriber);
  } else {
    subscriber.next_of_user_ = nullptr;
    users_.insert(&subscriber);
    interest("user:", user, true);
  }
}

void PersonalChannels::remove(Subscriber& subscriber) {
  if (subscriber.personal_index_ == UINT32_MAX) return;
  std::string_view user = subscriber.personal_user();
  if (!user.empty()) {
    Subscriber* head = users_.find(user);
    if (head == &subscriber) {
      if (subscriber.next_of_user_ != nullptr) {
        users_.replace(subscriber.next_of_user_);
      } else {
        users_.erase(user);
        interest("user:", user, false);
      }
    } else {
      Subscriber* before = head;
      while (before->next_of_user_ != &subscriber) before = before->next_of_user_;
      before->next_of_user_ = subscriber.next_of_user_;
    }
  }
  if (subscriber.authenticated_ && --authenticated_ == 0) interest("$authenticated", {}, false);
  // Swap-removal from the list of all.
  Subscriber* last = all_.back();
  all_[subscriber.personal_index_] = last;
  last->personal_index_ = subscriber.personal_index_;
  all_.pop_back();
  if (all_.empty()) interest("$all", {}, false);
  subscriber.personal_index_ = UINT32_MAX;
  subscriber.personal_user_ = nullptr;
  subscriber.personal_user_size_ = 0;
  subscriber.next_of_user_ = nullptr;
  subscriber.authenticated_ = false;
}

void PersonalChannels::interest(std::string_view channel, std::string_view user, bool first) {
  if (!interest_) return;
  channel_.assign(channel);
  channel_.append(user);
  interest_(channel_, first);
}

}  // namespace sb::hub

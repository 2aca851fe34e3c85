// SessionCore's stored notifications: handing out the unread ones once per connection and
// user (fenced against their live copies), marking them read, and the work-pool round trip
// both make to the store.
#include <algorithm>
#include <utility>

#include "dialects/session_core.h"
#include "observability/log.h"
#include "transport/event_loop.h"

namespace sb::dialects {

namespace {
// How soon a connection asks an unreachable notification store again, at first and at most.
constexpr uint32_t kFirstStoreRetryMs = 1000;
constexpr uint32_t kLastStoreRetryMs = 30000;
}  // namespace

template <typename Result>
void SessionCore::after_store(std::function<Result()> work, std::function<void(Result)> done) {
  std::weak_ptr<bool> open = open_token();
  transport::EventLoop& loop = context_.loop;
  context_.pool.submit([open, &loop, work = std::move(work), done = std::move(done)]() mutable {
    Result result = work();
    loop.post([open, result = std::move(result), done = std::move(done)]() mutable {
      if (open.lock()) done(std::move(result));
    });
  });
}

bool SessionCore::stored_notifications_once(std::function<void(std::vector<store::StoredNotification>)> done) {
  if (context_.notifications == nullptr || notifications_handed_out_ || identity_->anonymous) return false;
  notifications_handed_out_ = true;
  occasional().notification_fence = std::make_unique<NotificationFence>(identity_->user_id);
  auto hand_out = [this, user = identity_->user_id, done = std::move(done)](std::vector<store::StoredNotification> unread) {
    // Another user on this socket meanwhile: the previous one's notifications are not theirs.
    if (identity_->user_id != user || notification_fence() == nullptr) return;
    notification_fence()->settle(unread, context_.loop.now_ms() + kFenceGraceMs);
    // A quiet connection would otherwise keep the fence for good.
    std::weak_ptr<bool> open = open_token();
    context_.loop.call_later(static_cast<uint32_t>(kFenceGraceMs), [this, open] {
      if (open.lock() && notification_fence() != nullptr && notification_fence()->expired(context_.loop.now_ms())) {
        occasional_->notification_fence.reset();
      }
    });
    done(std::move(unread));
  };
  // The store is read once the broker hears the personal channel (in a cluster: Redis
  // confirmed its SUBSCRIBE), as a subscribe is answered: a notification stored and
  // published before that would be neither in the read nor heard live.
  std::weak_ptr<bool> open = open_token();
  std::string user = identity_->user_id;
  context_.hub.broker().read_history(
      "user:" + user, 0, 0, context_.shard_index,
      [this, open, user, hand_out = std::move(hand_out)](hub::HistoryResult) mutable {
        if (!open.lock() || identity_->user_id != user) return;
        read_stored_notifications(user, kFirstStoreRetryMs, std::move(hand_out));
      });
  return true;
}

bool SessionCore::admit_notification(const hub::Publication& p) {
  NotificationFence* fence = notification_fence();
  if (fence->expired(context_.loop.now_ms())) {
    occasional_->notification_fence.reset();
    return true;
  }
  return fence->admit(p);
}

void SessionCore::read_stored_notifications(std::string user_id, uint32_t retry_ms,
                                            std::function<void(std::vector<store::StoredNotification>)> done) {
  using Unread = std::optional<std::vector<store::StoredNotification>>;
  store::NotificationStore* store = context_.notifications;
  after_store<Unread>(
      [store, user_id, now = static_cast<int64_t>(context_.loop.wall_ms())] { return store->unread(user_id, now); },
      [this, user_id, retry_ms, done = std::move(done)](Unread unread) mutable {
        if (unread) {
          done(std::move(*unread));
          return;
        }
        // The store is unreachable (Redis down): the notifications are still kept, so this
        // connection asks again, less often the longer it lasts, while it stays this user's.
        log::warn("notifications.retry", {{"connection", info_.connection_id}, {"in_ms", std::to_string(retry_ms)}});
        std::weak_ptr<bool> open = open_token();
        context_.loop.call_later(retry_ms, [this, open, user_id, retry_ms, done = std::move(done)]() mutable {
          if (!open.lock() || identity_->user_id != user_id) return;
          read_stored_notifications(user_id, std::min(retry_ms * 2, kLastStoreRetryMs), std::move(done));
        });
      });
}

bool SessionCore::mark_notification_read(std::string id, std::function<void(int)> done) {
  if (context_.notifications == nullptr) return false;
  store::NotificationStore* store = context_.notifications;
  after_store<int>([store, user = identity_->user_id, id = std::move(id)] { return store->mark_read(user, id); },
                   std::move(done));
  return true;
}

}  // namespace sb::dialects

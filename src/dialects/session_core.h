#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/identity.h"
#include "dialects/dialect.h"
#include "dialects/notification_fence.h"
#include "dialects/presence_events.h"
#include "dialects/stream_position.h"
#include "hub/subscriber.h"

namespace sb::dialects {

// What every dialect session does with the core, whatever its wire format: registering
// the connection, holding the identity and its implicit channels (personal `user:<id>`,
// `$authenticated`, `$role:<r>`), joining and leaving channels under the policy, room
// capacity and a per-connection limit, and publishing. Sessions own one and forward to it.
class SessionCore {
 public:
  enum class JoinResult { kJoined, kAlreadyJoined, kInvalid, kUnauthenticated, kForbidden, kFull, kTooMany };

  // dialect: the dialect's name, a string literal (kept as a pointer, never copied).
  SessionCore(SessionContext& context, hub::Subscriber& subscriber, std::string connection_id,
              const char* dialect);

  // Registers the connection with an identity (anonymous allowed). False when the user
  // already has max_per_user connections on this node (0 = no limit); nothing is registered
  // then. With within_limit, the count of the whole cluster is checked too: it runs on the
  // loop (possibly before this returns, never after the connection closed) with false when
  // the user's connections on every node exceed max_per_user, and the caller refuses the
  // connection in its dialect's words.
  using LimitVerdict = std::function<void(bool within_limit)>;
  bool open(auth::IdentityPtr identity, uint32_t max_per_user, LimitVerdict within_limit = {});
  // An identity verified before the session opens (a token in the upgrade's URL), kept in
  // the session's own slot until open(held_identity()) registers it.
  void hold_identity(auth::IdentityPtr identity) { identity_ = std::move(identity); }
  const auth::IdentityPtr& held_identity() const { return identity_; }
  // Replaces the identity (an `auth` message, a token refresh). False when the new user is
  // at its connection limit (nothing changes then). Everything derived from the identity is
  // derived again:
  // - joined and watched channels (presence watchers): a different user leaves all of
  //   them, the same user those it may no longer subscribe to (a token with fewer
  //   permissions); presence in a channel ends with its join;
  // - the implicit channels: the personal channel and the role channels;
  // - the registry's per-user connection count (the limit is the new user's);
  // - stored notifications, handed out again to a different user.
  // What was left is appended to `left`, for the dialect to tell the client in its own
  // words and to end what it keeps per channel (the events dialect's meetings). Nothing
  // else is kept per identity: decision eligibility, channel publish rights and the action
  // backend's checks are asked at each use; rate limits are per connection.
  // within_limit: as for open().
  bool set_identity(auth::IdentityPtr identity, uint32_t max_per_user, std::vector<std::string>& left,
                    LimitVerdict within_limit = {});
  // Subscribes to a channel or pattern after the policy, capacity and max_joined checks.
  JoinResult join(std::string_view pattern, size_t max_joined);
  // Completes a join of a concrete channel for the subscribe answer. A channel that keeps
  // history has its stream position read; with `since`, what it published after that
  // position is replayed when it can be (same epoch, nothing dropped since). answer(state)
  // runs on the loop (possibly before this returns, possibly later with a cluster broker)
  // before any replayed publication; live publications arriving meanwhile wait and follow
  // the replay, none twice and none missed. Nothing runs if the connection closed or left
  // the channel in between. Channels without history and no since: answered at once.
  void follow(std::string channel, std::optional<hub::StreamPosition> since,
              std::function<void(const StreamState&)> answer);
  // The same for several channels answered at once (one subscribe naming many): answer
  // gets their states in request order, before any of them replays. A pattern among them
  // (no `since`) has no stream: its state is empty, and it waits only until a cluster
  // broker hears every node's publications for it.
  struct FollowRequest {
    std::string channel;
    std::optional<hub::StreamPosition> since;
  };
  void follow(std::vector<FollowRequest> requests, std::function<void(const std::vector<StreamState>&)> answer);
  // Leaves a channel or pattern joined with join(); false if it was not joined.
  bool leave(std::string_view pattern);
  bool is_joined(std::string_view channel) const;
  // Hears a channel without joining it (not present in it, not among joined()): a watcher of
  // a room's presence. unwatch() undoes it; watch() of a watched channel does nothing.
  void watch(std::string_view channel);
  void unwatch(std::string_view channel);
  bool is_watched(std::string_view channel) const;
  size_t watched_count() const;
  // Whether a publication is for this connection now (relays skip their own sender; a
  // channel being resumed holds its live publications until the replay went out).
  bool wants(const hub::Publication& p) {
    if (!p.echo_to_sender && p.sender_connection_id == info_.connection_id) return false;
    if (!occasional_) return true;  // the common case: nothing held, fenced or followed
    if (occasional_->notification_fence && !admit_notification(p)) return false;
    return !occasional_->follows || p.offset == 0 || admit_followed(p);
  }
  // Whether a publication orders this connection closed (hub::kDisconnectOrder from a
  // backend to this user's personal channel): the dialect then closes in its own words
  // with the reason, instead of delivering it. Only a backend's order counts.
  bool disconnect_ordered(const hub::Publication& p) const {
    if (p.event_type != hub::kDisconnectOrder || !p.sender_connection_id.empty() || identity_->anonymous) return false;
    std::string_view channel = p.channel;
    return channel.starts_with("user:") && channel.substr(5) == identity_->user_id;
  }
  // The reason given with a disconnect order ("disconnected by the server" without one).
  static std::string disconnect_reason(const hub::Publication& p);
  // Members present in a channel (presence-tracking channels only), on every node of a
  // cluster: done runs on the loop (possibly before this returns) unless the connection
  // closed in between.
  void presence(std::string_view channel, std::function<void(std::vector<hub::PresenceMember>)> done);
  // Typing and cursors, for every dialect. Both go to the channel's other members with the
  // sender's identity filled in by the server (event types "typing" and "cursor"; data
  // {"channelId","userId","user":{"id","name"},...}). Typing true ends by itself after
  // limits.typing_timeout_ms without news; cursors are sent at most
  // limits.cursor_max_per_second per channel, the latest position winning. Both return
  // false when the connection has not joined the channel (nothing is relayed).
  bool relay_typing(std::string_view channel, bool is_typing);
  // fields: a JSON object's members (text between the braces, may be empty) to add to
  // the cursor data, e.g. "\"position\":{...}".
  bool relay_cursor(std::string_view channel, std::string fields);
  enum class PublishResult { kPublished, kInvalid, kUnauthenticated, kForbidden, kServerEventType };
  // Publishes a client's message as this connection's user: the sender's id, name and
  // connection id are the server's, the client's metadata object (may be empty) travels
  // under its own key, never over them. Refused unless the channel is a concrete, valid
  // name the policy lets this identity publish to, and the event type is not one only the
  // server may emit (server_events.h).
  PublishResult publish(std::string channel, std::string event_type, std::string data, std::string client_metadata);
  // Publishes a server event about this connection's user (a feature's event, such as a
  // presence change): sender fields are the server's and no policy applies, so the caller
  // must have decided that the user may cause it on that channel.
  void publish_event(std::string channel, std::string event_type, std::string data, bool echo_to_sender);
  // The user's stored notifications (unread, unexpired, oldest first), handed out once per
  // connection and user whatever the dialect asks for them: done runs on the loop unless
  // the connection closed (or became another user's) in between; while the store cannot be
  // read it is asked again with a growing delay. False (nothing happens) without a store,
  // when already handed out, or for an anonymous connection.
  bool stored_notifications_once(std::function<void(std::vector<store::StoredNotification>)> done);
  // Marks one notification of the user (an empty id: every one) read; done(updated) runs on
  // the loop unless the connection closed in between, with store::NotificationStore::
  // kUnavailable when the store cannot be written now. False without a store.
  bool mark_notification_read(std::string id, std::function<void(int updated)> done);
  // Releases everything (subscriptions, room places, registration). Idempotent.
  void close();

  const auth::Identity& identity() const { return *identity_; }
  // The loop's shared state, for the dialect session that owns this core (which keeps no
  // copy of the reference: 8 bytes a connection).
  SessionContext& context() const { return context_; }
  // Whether the identity came from a token that has expired by now (wall clock, ms), with
  // the same leeway the verification allowed.
  bool token_expired(uint64_t now_ms) const {
    return !identity_->anonymous && identity_->valid_until != 0 &&
           static_cast<int64_t>(now_ms / 1000) > identity_->valid_until;
  }
  std::string_view connection_id() const { return info_.connection_id; }
  // Channels and patterns joined by the client (implicit channels excluded).
  size_t joined_count() const { return joined_count_; }
  // The client-visible joins (channels and patterns), in no particular order.
  std::vector<std::string> joined() const;

 private:
  // Takes the connection out of the registry (and the cluster's), once.
  void unregister();
  // A reference that expires when the connection closes, for callbacks that may outlive it.
  std::weak_ptr<bool> open_token();
  // How long after a subscribe answer (or the read of stored notifications) live duplicates
  // of what it covered may still arrive (publications already on their way to this loop, or
  // from Redis): a fence lasts this long at most.
  static constexpr uint64_t kFenceGraceMs = 3000;
  // The channels every connection hears without joining (`$all`, and for a named user
  // `user:<id>`, `$authenticated` and its roles' `$role:<r>`), for the current identity.
  // Recomputed rather than stored: every byte kept here is paid by each idle connection.
  void subscribe_implicit();
  void unsubscribe_implicit();
  std::vector<std::string> role_channels(const auth::Identity& identity) const;
  void drop_all_subscriptions();
  // The registry's cluster check for a limit verdict (none without one).
  // named: whether the user the check is for has a name (an anonymous one counts against nobody).
  hub::ClusterCheck limit_check(uint32_t max_per_user, LimitVerdict& within_limit, bool named);
  void leave_presence(const std::string& channel);
  void read_stored_notifications(std::string user_id, uint32_t retry_ms,
                                 std::function<void(std::vector<store::StoredNotification>)> done);
  void join_presence(std::string_view channel);
  // Undoes a join (its entry in joined_ already gone): hub subscription, room place,
  // presence (when `present`: the join got that far), typing and cursor state.
  void release(const std::string& channel, bool present);
  // The occupancy's cluster check of a room join numbered ticket, answered on this loop.
  hub::ClusterCheck capacity_check(std::string_view channel, uint32_t ticket);
  // The cluster's verdict on a room join: full leaves the room again; either way a
  // waiting subscribe answer goes out.
  void settle_capacity(uint32_t ticket, bool full);
  struct CapacityCheck;
  std::optional<CapacityCheck> take_capacity_check(const std::function<bool(const CapacityCheck&)>& which);
  CapacityCheck* pending_capacity(std::string_view channel);
  void publish_relay(std::string channel, std::string event_type, std::string data);
  std::string user_json() const;
  PresenceSubject presence_subject() const;
  void send_typing(const std::string& channel, bool is_typing);
  void schedule_typing_expiry(const std::string& channel, uint32_t delay_ms);
  void flush_cursor(const std::string& channel);
  // wants() for a connection whose stored notifications are being read or were just read.
  bool admit_notification(const hub::Publication& p);
  // wants() for a connection with a channel being resumed or just resumed.
  bool admit_followed(const hub::Publication& p);
  struct FollowBatch;
  void finish_follow(FollowBatch& batch);
  void forget_follow(std::string_view channel);
  // Runs work on the work pool, then done(result) on the loop if this connection is still
  // open by then.
  template <typename Result>
  void after_store(std::function<Result()> work, std::function<void(Result)> done);

  // Typing and cursor state, allocated on first use so idle connections do not pay for it;
  // timers hold a weak reference, so they become no-ops once the session is gone.
  struct Activity {
    std::string channel;
    bool typing = false;
    uint64_t typing_deadline_ms = 0;
    uint64_t cursor_sent_ms = 0;
    std::string cursor_pending;  // latest unsent cursor data
    bool cursor_timer = false;
  };
  struct ActivityState {
    std::vector<Activity> channels;
  };
  Activity& activity(std::string_view channel);

  // Channels whose subscribe answer is awaited (live publications held) or whose replay
  // just went out (live duplicates of it skipped).
  struct Follow {
    std::string channel;
    uint32_t ticket;                        // which follow() the history read answers
    bool pending = true;                    // waiting for the history read
    hub::StreamPosition fence;              // publications up to here went out already
    uint64_t fence_until_ms = 0;            // loop time after which no duplicate can still come
    std::vector<hub::PublicationPtr> held;  // live ones that arrived while pending
  };
  // A join of a room with a capacity whose count across the cluster is awaited: the
  // presence join and a waiting subscribe answer follow the verdict.
  struct CapacityCheck {
    std::string channel;
    uint32_t ticket;                         // which join() the count answers
    std::function<void(bool full)> waiter;  // a follow() answering with the verdict
  };
  // What only some connections ever have, behind one pointer allocated on first need (and
  // kept until the session closes: answers on their way hold weak references into it), so
  // that an idle connection pays 8 bytes for all of it.
  struct Occasional {
    std::unique_ptr<std::vector<std::string>> watched;  // see watch(); null when none
    std::shared_ptr<ActivityState> activity;             // typing and cursors
    // Alive while the connection is open: store answers arriving later check it.
    std::shared_ptr<bool> open_token;
    std::unique_ptr<std::vector<Follow>> follows;  // null when none
    // The user's live notifications around the read of the stored ones: only around it.
    std::unique_ptr<NotificationFence> notification_fence;
    std::unique_ptr<std::vector<CapacityCheck>> capacity_checks;  // null when none
  };
  // Reads of the occasional state, null when it was never needed.
  std::vector<Follow>* follows() const { return occasional_ ? occasional_->follows.get() : nullptr; }
  std::vector<CapacityCheck>* capacity_checks() const {
    return occasional_ ? occasional_->capacity_checks.get() : nullptr;
  }
  NotificationFence* notification_fence() const {
    return occasional_ ? occasional_->notification_fence.get() : nullptr;
  }
  ActivityState* activity_state() const { return occasional_ ? occasional_->activity.get() : nullptr; }
  std::vector<std::string>* watched() const { return occasional_ ? occasional_->watched.get() : nullptr; }

  SessionContext& context_;
  hub::Subscriber& subscriber_;
  hub::ConnectionInfo info_;  // registered with context_.registry while open
  auth::IdentityPtr identity_;
  std::unique_ptr<Occasional> occasional_;  // null until needed
  Occasional& occasional();
  // Client-visible joins: the hub's trie holds them (a list here would cost each connection
  // its channels' names again); only their number is kept.
  uint32_t joined_count_ = 0;
  uint32_t tickets_ = 0;  // numbers follow() and capacity checks
  bool replaying_ = false;
  bool registered_ = false;
  bool notifications_handed_out_ = false;  // the stored ones went to this connection's user
};

}  // namespace sb::dialects

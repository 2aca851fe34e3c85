#include "dialects/events/events_session.h"

#include <algorithm>

#include "dialects/text_frame.h"
#include "features/decisions/vote_tally.h"
#include "hub/topic.h"
#include "json/json_writer.h"

namespace sb::dialects::events {

namespace ws = protocol::websocket;
using features::decisions::CastOutcome;
using features::decisions::CastStatus;
using features::meetings::MeetingService;

namespace {

constexpr std::string_view kMeetingRoles[] = {"participant", "observer", "presenter", "host"};
constexpr std::string_view kPresenceStatuses[] = {"online", "away", "busy", "dnd", "offline"};

bool is_presence_event(std::string_view type) {
  return type == "presence.join" || type == "presence.leave" || type == "presence.changed";
}

std::string personal_channel(const auth::Identity& identity) { return "user:" + identity.user_id; }

}  // namespace

EventsSession::EventsSession(SessionContext& context, const config::EventsConfig& config, EventsServices services,
                             size_t encoding_slot, auth::IdentityPtr identity, auth::JwtStatus url_status,
                             bool has_token, bool version_supported, std::string client_id, std::string connection_id)
    : config_(config),
      services_(services),
      core_(context, *this, std::move(connection_id), "events"),
      pending_identity_(std::move(identity)),
      self_(std::make_shared<EventsSession*>(this)),
      messages_(config.max_messages_per_minute, 60000),
      joins_(config.max_joins_per_minute, 60000),
      chats_(config.max_chat_per_minute, 60000),
      votes_(config.max_votes_per_minute, 60000),
      cursors_(config.max_cursor_per_second, 1000),
      client_id_(std::move(client_id)),
      encoding_slot_(static_cast<uint8_t>(encoding_slot)),
      url_status_(url_status),
      has_token_(has_token),
      version_supported_(version_supported) {}

std::string EventsSession::next_id() {
  return std::string(core_.connection_id()) + "-" + std::to_string(++message_counter_);
}

void EventsSession::send(std::string_view type, std::string_view data, std::string_view correlation_id) {
  if (ws_ == nullptr) return;
  ws_->send_text(render(next_id(), type, data, now_ms(), core_.identity().user_id, correlation_id));
  context().metrics.messages_out.fetch_add(1, std::memory_order_relaxed);
}

void EventsSession::send_error(std::string_view code, std::string_view message, std::string_view correlation_id,
                               bool retryable, uint64_t retry_after_ms, std::string_view details) {
  if (ws_ == nullptr) return;
  context().metrics.count_error(code == "RATE_LIMITED"        ? 429
                               : code == "PERMISSION_DENIED" ? 403
                               : code == "RESOURCE_NOT_FOUND" ? 404
                               : code == "SERVER_ERROR"      ? 500
                               : code.starts_with("AUTH_")   ? 401
                                                             : 400);
  ws_->send_text(render_error(next_id(), code, message, retryable, retry_after_ms, details, correlation_id, now_ms(),
                              core_.identity().user_id));
  context().metrics.messages_out.fetch_add(1, std::memory_order_relaxed);
}

bool EventsSession::within_limit(hub::RateLimiter& limiter, uint32_t limit, uint32_t window_s,
                                 const std::string& correlation_id) {
  uint64_t retry_after_ms = 0;
  if (limiter.try_take(context().loop.now_ms(), retry_after_ms)) return true;
  std::string details;
  json::ObjectWriter(details).number("limit", limit).number("window", window_s)
      .number("retryAfter", static_cast<int64_t>((retry_after_ms + 999) / 1000)).end();
  send_error("RATE_LIMITED", "Rate limit exceeded", correlation_id, true, retry_after_ms, details);
  return false;
}

void EventsSession::refuse(std::string_view code, std::string_view message, bool retryable) {
  if (closing_) return;
  closing_ = true;
  std::string data;
  json::ObjectWriter(data).string("code", code).string("message", message).boolean("retryable", retryable).end();
  send("connection.error", data);
  std::string_view why = code == "AUTH_EXPIRED"   ? "token expired"
                         : code == "DISCONNECTED" ? "disconnected by the server"
                                                  : "authentication failed";
  ws_->close(ws::CloseCode::kPolicyViolation, why);
}

void EventsSession::on_open(ws::WebSocketConnection& ws) {
  ws_ = &ws;
  auth::IdentityPtr identity = std::move(pending_identity_);
  core_.open(auth::anonymous_identity(), 0);
  if (!version_supported_) {
    std::string data;
    json::ObjectWriter(data).string("code", "INVALID_MESSAGE")
        .string("message", "unsupported API version: this server speaks 1.0").boolean("retryable", false).end();
    send("connection.error", data);
    ws.close(ws::CloseCode::kPolicyViolation, "unsupported version");
    return;
  }
  if (identity->anonymous) {
    if (!has_token_) {
      refuse("AUTH_FAILED", "Authentication required: connect with ?token=<JWT>", false);
    } else if (url_status_ == auth::JwtStatus::kExpired) {
      refuse("AUTH_FAILED", "Authentication token expired", true);  // a new token will do
    } else {
      refuse("AUTH_FAILED", std::string("Authentication failed: ") + std::string(auth::to_string(url_status_)), false);
    }
    return;
  }
  std::vector<std::string> left;  // nothing joined yet
  core_.set_identity(std::move(identity), 0, left);
  const auth::Identity& who = core_.identity();
  std::string data;
  json::ObjectWriter d(data);
  d.string("sessionId", core_.connection_id()).string("userId", who.user_id)
      .raw("permissions", json::string_array(who.permissions())).string("serverTime", json::iso8601(now_ms()))
      .raw("roles", json::string_array(who.roles())).string("version", "1.0");
  if (!client_id_.empty()) d.string("clientId", client_id_);
  if (who.valid_until != 0) d.string("expiresAt", json::iso8601(static_cast<uint64_t>(who.valid_until) * 1000));
  d.end();
  send("connection.ready", data);
  deliver_stored_notifications();
}

void EventsSession::on_message(ws::WebSocketConnection&, ws::Opcode, std::string_view text) {
  context().metrics.messages_in.fetch_add(1, std::memory_order_relaxed);
  if (core_.identity().anonymous) return;  // refused on open; the close is under way
  ClientMessage m = parse_client_message(text);
  // Heartbeats and cursors have their own allowance: the per-connection budget is for
  // everything else (a cursor at 60 per second would spend it in two seconds).
  bool own_budget = m.ok && (m.type == ClientType::kPing || m.type == ClientType::kCursor);
  if (!own_budget && !within_limit(messages_, config_.max_messages_per_minute, 60, m.correlation_id)) return;
  if (!m.ok) {
    send_error("INVALID_MESSAGE", m.error_message, m.correlation_id);
    return;
  }
  dispatch(m);
}

void EventsSession::dispatch(ClientMessage& m) {
  switch (m.type) {
    case ClientType::kPing: return handle_ping(m);
    case ClientType::kTokenRefresh: return handle_token_refresh(m);
    case ClientType::kMeetingJoin: return handle_join(m);
    case ClientType::kMeetingLeave: return handle_leave(m);
    case ClientType::kMeetingChat: return handle_chat(m);
    case ClientType::kVoteCast: return handle_vote(m);
    case ClientType::kPresenceUpdate: return handle_presence_update(m);
    case ClientType::kPresenceSubscribe: return handle_presence_subscribe(m);
    case ClientType::kPresenceUnsubscribe: return handle_presence_unsubscribe(m);
    case ClientType::kNotificationAck: return handle_acknowledge(m);
    case ClientType::kSubscribe: return handle_subscribe(m);
    case ClientType::kUnsubscribe: return handle_unsubscribe(m);
    case ClientType::kCursor: {
      if (!within_limit(cursors_, config_.max_cursor_per_second, 1, m.correlation_id)) return;
      std::string fields = "\"position\":" + m.position + ",\"selection\":" + m.selection;
      std::string channel = document_channel(m.document_id);
      if (!core_.relay_cursor(channel, std::move(fields))) {
        send_error("PERMISSION_DENIED", "subscribe to " + channel + " before sharing a cursor", m.correlation_id);
      }
      return;
    }
    case ClientType::kTyping: {
      std::string channel = room_channel(m.room_id);
      if (!core_.relay_typing(channel, m.is_typing)) {
        send_error("PERMISSION_DENIED", "join or subscribe to " + channel + " before sending typing indicators",
                   m.correlation_id);
      }
      return;
    }
  }
}

void EventsSession::handle_ping(const ClientMessage& m) {
  uint64_t now = now_ms();
  std::string data;
  json::ObjectWriter d(data);
  std::optional<uint64_t> sent;
  if (!m.client_timestamp.empty()) {
    d.raw("timestamp", m.client_timestamp);
    if (m.client_timestamp.front() == '"') {
      sent = json::parse_iso8601(std::string_view(m.client_timestamp).substr(1, m.client_timestamp.size() - 2));
    } else if (double ms = std::strtod(m.client_timestamp.c_str(), nullptr); ms > 0) {
      sent = static_cast<uint64_t>(ms);
    }
  } else {
    d.string("timestamp", json::iso8601(now));
  }
  // One-way time from the client's clock to ours (0 when the clocks disagree the other way).
  if (sent) d.number("latency", *sent < now ? static_cast<int64_t>(now - *sent) : 0); else d.null("latency");
  d.string("serverTime", json::iso8601(now)).end();
  send("connection.heartbeat.pong", data, m.correlation_id);
}

void EventsSession::handle_token_refresh(const ClientMessage& m) {
  auto identity = auth::make_identity();
  auth::JwtStatus status = context().jwt.verify(m.token, static_cast<int64_t>(now_ms() / 1000), *identity);
  if (status != auth::JwtStatus::kOk) {
    send_error("AUTH_FAILED", std::string("token refresh refused: ") + std::string(auth::to_string(status)),
               m.correlation_id);
    return;
  }
  if (identity->user_id != core_.identity().user_id) {
    send_error("AUTH_FAILED", "token refresh refused: the token is for another user", m.correlation_id);
    return;
  }
  std::vector<std::string> left;
  core_.set_identity(std::move(identity), 0, left);
  const auth::Identity& who = core_.identity();
  std::string data;
  json::ObjectWriter d(data);
  d.string("userId", who.user_id).raw("permissions", json::string_array(who.permissions()));
  if (who.valid_until != 0) d.string("expiresAt", json::iso8601(static_cast<uint64_t>(who.valid_until) * 1000));
  else d.null("expiresAt");
  d.end();
  send("connection.token.refreshed", data, m.correlation_id);
  if (left.empty()) return;
  // What the new token no longer allows is left, and the client told.
  std::string failed = "{";
  for (const auto& channel : left) {
    if (channel.starts_with("meeting:")) {
      std::string id = channel.substr(8);
      if (std::find(meetings_.begin(), meetings_.end(), id) != meetings_.end()) leave_meeting(id, {}, false);
    }
    if (failed.size() > 1) failed += ',';
    json::append_string(failed, channel);
    failed += ":\"Permission revoked\"";
  }
  failed += '}';
  std::string update;
  json::ObjectWriter(update).raw("subscribed", "[]").raw("unsubscribed", json::string_array(left))
      .raw("failed", failed).end();
  send("subscription.update", update, m.correlation_id);
}

void EventsSession::handle_join(const ClientMessage& m) {
  if (!MeetingService::is_valid_id(m.meeting_id)) {
    send_error("INVALID_MESSAGE", "data.meetingId must be one channel segment (no '.', ':' or spaces)",
               m.correlation_id);
    return;
  }
  if (std::find(std::begin(kMeetingRoles), std::end(kMeetingRoles), m.role) == std::end(kMeetingRoles)) {
    send_error("INVALID_MESSAGE", "data.role must be participant, observer, presenter or host", m.correlation_id);
    return;
  }
  if ((m.role == "presenter" || m.role == "host") &&
      !context().policy.roles().satisfies(core_.identity(), config_.meeting_host_role)) {
    std::string details;
    json::ObjectWriter(details).string("requiredRole", config_.meeting_host_role).end();
    send_error("PERMISSION_DENIED", "joining as " + m.role + " needs the role " + config_.meeting_host_role,
               m.correlation_id, false, 0, details);
    return;
  }
  if (std::find(meetings_.begin(), meetings_.end(), m.meeting_id) != meetings_.end()) {
    send_error("INVALID_MESSAGE", "already in meeting " + m.meeting_id, m.correlation_id);
    return;
  }
  if (!within_limit(joins_, config_.max_joins_per_minute, 60, m.correlation_id)) return;
  std::string channel = MeetingService::channel_of(m.meeting_id);
  switch (join_channel(channel)) {
    case SessionCore::JoinResult::kJoined:
    case SessionCore::JoinResult::kAlreadyJoined:
      break;
    case SessionCore::JoinResult::kInvalid:
      send_error("INVALID_MESSAGE", "invalid meeting id", m.correlation_id);
      return;
    case SessionCore::JoinResult::kUnauthenticated:
    case SessionCore::JoinResult::kForbidden:
      send_error("PERMISSION_DENIED", "not allowed to join meeting " + m.meeting_id, m.correlation_id);
      return;
    case SessionCore::JoinResult::kFull:
      send_error("PERMISSION_DENIED", "meeting " + m.meeting_id + " is full", m.correlation_id);
      return;
    case SessionCore::JoinResult::kTooMany:
      send_error("INVALID_MESSAGE", "too many subscriptions on this connection", m.correlation_id);
      return;
  }
  meetings_.push_back(m.meeting_id);
  const auth::Identity& who = core_.identity();
  features::meetings::Participant participant{who.user_id, who.name.empty() ? who.user_id : who.name, m.role};
  services_.meetings.join(context().shard_index, m.meeting_id, std::move(participant),
                          std::string(core_.connection_id()), m.correlation_id,
                          [weak = weak_self()](std::string agenda) {
                            auto self = weak.lock();
                            // The newcomer sees where the agenda stands.
                            if (self && *self && !agenda.empty()) (*self)->send("meeting.agenda.update", agenda);
                          });
}

SessionCore::JoinResult EventsSession::join_channel(const std::string& channel) {
  bool watched = core_.is_watched(channel);
  // Watched for presence until now: a member from here on, with one hub subscription.
  if (watched) core_.unwatch(channel);
  SessionCore::JoinResult result = core_.join(channel, context().limits.max_subscriptions);
  bool member = result == SessionCore::JoinResult::kJoined || result == SessionCore::JoinResult::kAlreadyJoined;
  if (watched && !member) core_.watch(channel);  // refused: still a watcher
  return result;
}

void EventsSession::leave_meeting(const std::string& meeting_id, const std::string& correlation_id,
                                  bool tell_client) {
  std::erase(meetings_, meeting_id);
  core_.leave(MeetingService::channel_of(meeting_id));
  std::function<void(std::string)> done;
  if (tell_client) {
    done = [weak = weak_self(), correlation_id](std::string data) {
      auto self = weak.lock();
      if (self && *self) (*self)->send("meeting.participant.left", data, correlation_id);
    };
  }
  services_.meetings.leave(context().shard_index, meeting_id, core_.identity().user_id, std::move(done));
}

void EventsSession::handle_leave(const ClientMessage& m) {
  if (std::find(meetings_.begin(), meetings_.end(), m.meeting_id) == meetings_.end()) {
    send_error("RESOURCE_NOT_FOUND", "not in meeting " + m.meeting_id, m.correlation_id);
    return;
  }
  leave_meeting(m.meeting_id, m.correlation_id, true);
}

void EventsSession::handle_chat(const ClientMessage& m) {
  std::string channel = MeetingService::channel_of(m.meeting_id);
  // Participants and subscribers of the meeting's channel may chat (the seed's client
  // subscribes to meeting:123 and chats there).
  if (!MeetingService::is_valid_id(m.meeting_id) || !core_.is_joined(channel)) {
    send_error("PERMISSION_DENIED", "join or subscribe to meeting " + m.meeting_id + " before chatting",
               m.correlation_id);
    return;
  }
  if (!within_limit(chats_, config_.max_chat_per_minute, 60, m.correlation_id)) return;
  services_.meetings.chat(context().shard_index, m.meeting_id, core_.identity(), core_.connection_id(), m.text,
                          m.reply_to, m.correlation_id);
}

void EventsSession::handle_vote(ClientMessage& m) {
  store::VoteChoice choice;
  if (!store::parse_vote_choice(m.vote, choice)) {
    send_error("INVALID_MESSAGE", "data.vote must be approve, reject or abstain", m.correlation_id);
    return;
  }
  if (!within_limit(votes_, config_.max_votes_per_minute, 60, m.correlation_id)) return;
  auto voter = auth::make_identity(core_.identity());
  services_.decisions.cast(
      context().shard_index, std::move(voter), m.decision_id, choice, std::move(m.text),
      [weak = weak_self(), id = m.decision_id, correlation = m.correlation_id](CastOutcome outcome) {
        auto self = weak.lock();
        if (!self || !*self) return;
        EventsSession& s = **self;
        switch (outcome.status) {
          case CastStatus::kRecorded: {
            std::string data;
            json::ObjectWriter(data).string("decisionId", id).string("voteId", outcome.vote_id)
                .string("status", "recorded").boolean("changed", outcome.changed)
                .string("timestamp", json::iso8601(outcome.at_ms)).end();
            s.send("decision.vote.received", data, correlation);
            return;
          }
          case CastStatus::kNotFound:
            s.send_error("RESOURCE_NOT_FOUND", "no decision " + id, correlation);
            return;
          case CastStatus::kClosed: {
            std::string details;
            json::ObjectWriter(details).string("decisionId", id).string("status", "closed").end();
            s.send_error("PERMISSION_DENIED", "decision " + id + " is closed", correlation, false, 0, details);
            return;
          }
          case CastStatus::kNotEligible:
            s.send_error("PERMISSION_DENIED", "not eligible to vote on decision " + id, correlation);
            return;
          case CastStatus::kFailed:
            s.send_error("SERVER_ERROR", "the vote could not be stored; try again", correlation, true, 1000);
            return;
        }
      });
}

void EventsSession::handle_presence_update(const ClientMessage& m) {
  if (std::find(std::begin(kPresenceStatuses), std::end(kPresenceStatuses), m.status) ==
      std::end(kPresenceStatuses)) {
    send_error("INVALID_MESSAGE", "data.status must be online, away, busy, dnd or offline", m.correlation_id);
    return;
  }
  const auth::Identity& who = core_.identity();
  uint64_t now = now_ms();
  context().presence.set_status(who.user_id, m.status, m.activity == "null" ? std::string() : m.activity, now);
  auto data_for = [&](std::string_view room_id) {
    std::string data;
    json::ObjectWriter d(data);
    if (room_id.empty()) d.null("roomId"); else d.string("roomId", room_id);
    d.string("userId", who.user_id)
        .string("userName", who.name.empty() ? who.user_id : who.name).string("status", m.status)
        .raw("activity", m.activity).string("lastSeen", json::iso8601(now)).end();
    return data;
  };
  bool any = false;
  for (const auto& channel : core_.joined()) {
    if (hub::has_wildcard(channel) || !context().presence.tracks(channel)) continue;
    any = true;
    // The sender sees its own change too (echo): that is its confirmation.
    core_.publish_event(channel, "presence.changed", data_for(room_id_of(channel)), true);
  }
  if (!any) send("presence.changed", data_for(""), m.correlation_id);
}

void EventsSession::handle_presence_subscribe(const ClientMessage& m) {
  std::string channel = room_channel(m.room_id);
  if (!hub::is_valid_channel(channel) || hub::is_reserved_channel(channel)) {
    send_error("INVALID_MESSAGE", "invalid room id", m.correlation_id);
    return;
  }
  if (!context().presence.tracks(channel)) {
    send_error("RESOURCE_NOT_FOUND", "presence is not tracked in " + channel, m.correlation_id);
    return;
  }
  if (context().policy.can_subscribe(core_.identity(), channel) != auth::Decision::kAllow) {
    send_error("PERMISSION_DENIED", "not allowed to see who is in " + channel, m.correlation_id);
    return;
  }
  if (!core_.is_joined(channel) && !core_.is_watched(channel)) {
    if (core_.joined_count() + core_.watched_count() >= context().limits.max_subscriptions) {
      send_error("INVALID_MESSAGE", "too many subscriptions on this connection", m.correlation_id);
      return;
    }
    // A watcher hears the room's presence events without being present itself.
    core_.watch(channel);
  }
  core_.presence(channel, [this, room_id = m.room_id, correlation = m.correlation_id](
                              std::vector<hub::PresenceMember> members) {
    std::string users = "[";
    for (const auto& member : members) {
      if (users.size() > 1) users += ',';
      json::ObjectWriter(users).string("userId", member.user_id)
          .string("userName", member.name.empty() ? member.user_id : member.name)
          .string("status", member.status.empty() ? "online" : member.status)
          .raw("activity", member.activity.empty() ? "null" : member.activity)
          .string("lastSeen", json::iso8601(member.last_seen_ms)).end();
    }
    users += ']';
    std::string data;
    json::ObjectWriter(data).string("roomId", room_id).raw("users", users).end();
    send("presence.list", data, correlation);
  });
}

void EventsSession::handle_presence_unsubscribe(const ClientMessage& m) {
  std::string channel = room_channel(m.room_id);
  core_.unwatch(channel);
}

void EventsSession::handle_acknowledge(const ClientMessage& m) {
  bool queued = core_.mark_notification_read(m.notification_id, [this, id = m.notification_id,
                                                                 correlation = m.correlation_id](int updated) {
    if (updated == store::NotificationStore::kUnavailable) {
      send_error("SERVER_ERROR", "notifications cannot be updated right now: try again", correlation);
      return;
    }
    if (updated == 0) {
      send_error("RESOURCE_NOT_FOUND", "no unacknowledged notification " + id, correlation);
      return;
    }
    std::string data;
    json::ObjectWriter(data).string("notificationId", id).string("status", "acknowledged").end();
    send("notification.acknowledged", data, correlation);
  });
  if (!queued) send_error("RESOURCE_NOT_FOUND", "no notification store is configured", m.correlation_id);
}

void EventsSession::deliver_stored_notifications() {
  core_.stored_notifications_once([this](std::vector<store::StoredNotification> unread) {
    std::string extra = "\"channel\":";
    json::append_string(extra, personal_channel(core_.identity()));
    extra += ",\"stored\":true";
    for (const auto& n : unread) {
      if (ws_ == nullptr) return;
      ws_->send_text(render(n.id, "notification.send", n.payload, static_cast<uint64_t>(n.created_at_ms), {}, {}, extra));
    }
  });
}

void EventsSession::send_decision_snapshot(const std::string& decision_id) {
  services_.decisions.snapshot(context().shard_index, decision_id,
                               [weak = weak_self()](std::string type, std::string data) {
                                 auto self = weak.lock();
                                 if (self && *self && !type.empty()) (*self)->send(type, data);
                               });
}

void EventsSession::handle_subscribe(const ClientMessage& m) {
  std::vector<std::string> subscribed;
  std::vector<SessionCore::FollowRequest> streams;  // the joined channels (not patterns)
  std::vector<std::string> decisions;               // decision snapshots, after the answer
  std::string failed = "{";
  auto fail = [](std::string& list, const std::string& channel, std::string_view reason) {
    if (list.size() > 1) list += ',';
    json::append_string(list, channel);
    list += ':';
    json::append_string(list, reason);
  };
  std::string personal = personal_channel(core_.identity());
  for (const auto& channel : m.channels) {
    if (channel == personal) {
      // Always delivered: the personal channel is the connection's from the start.
      subscribed.push_back(channel);
      continue;
    }
    switch (join_channel(channel)) {
      case SessionCore::JoinResult::kJoined:
      case SessionCore::JoinResult::kAlreadyJoined:
        subscribed.push_back(channel);
        streams.push_back({channel, since_for(m.since, channel)});  // a pattern has no since
        if (channel.starts_with("decision:")) decisions.push_back(channel.substr(9));
        break;
      case SessionCore::JoinResult::kInvalid: fail(failed, channel, "Invalid channel name"); break;
      case SessionCore::JoinResult::kUnauthenticated:
      case SessionCore::JoinResult::kForbidden: fail(failed, channel, "Permission denied"); break;
      case SessionCore::JoinResult::kFull: fail(failed, channel, "Channel is full"); break;
      case SessionCore::JoinResult::kTooMany: fail(failed, channel, "Too many subscriptions"); break;
    }
  }
  std::vector<std::string> names;
  for (const auto& r : streams) names.push_back(r.channel);
  // Answered once every joined channel's stream position is known, before any replay.
  core_.follow(std::move(streams), [this, subscribed = std::move(subscribed), failed = std::move(failed), names,
                                    decisions = std::move(decisions), fail,
                                    correlation = m.correlation_id](std::vector<StreamState> states) mutable {
    // Rooms the cluster found full were left again: failed, as if refused at once.
    for (const auto& channel : take_full(names, states)) {
      std::erase(subscribed, channel);
      fail(failed, channel, "Channel is full");
    }
    failed += '}';
    std::string data;
    json::ObjectWriter w(data);
    w.raw("subscribed", json::string_array(subscribed)).raw("failed", failed);
    write_stream_states(w, names, states);
    w.end();
    send("subscription.update", data, correlation);
    for (const auto& id : decisions) send_decision_snapshot(id);  // the tally so far, or the result
  });
}

void EventsSession::handle_unsubscribe(const ClientMessage& m) {
  std::vector<std::string> unsubscribed;
  std::string personal = personal_channel(core_.identity());
  for (const auto& channel : m.channels) {
    if (channel.starts_with("meeting:")) {
      std::string id = channel.substr(8);
      // Nobody stays a participant of a meeting they no longer hear.
      if (std::find(meetings_.begin(), meetings_.end(), id) != meetings_.end()) leave_meeting(id, {}, false);
    }
    if (channel != personal) core_.leave(channel);
    unsubscribed.push_back(channel);
  }
  std::string data;
  json::ObjectWriter(data).raw("subscribed", "[]").raw("unsubscribed", json::string_array(unsubscribed))
      .raw("failed", "{}").end();
  send("subscription.update", data, m.correlation_id);
}

void EventsSession::deliver(const hub::Publication& publication) {
  if (ws_ == nullptr) return;
  if (core_.disconnect_ordered(publication)) {
    refuse("DISCONNECTED", SessionCore::disconnect_reason(publication), false);
    return;
  }
  if (!core_.wants(publication)) return;
  if (core_.is_watched(publication.channel) && !is_presence_event(publication.event_type)) {
    return;  // a watched room: its presence only
  }
  // What answers this connection's own request carries its correlation id: rendered for it
  // alone, while everyone else shares the frame without it.
  if (!publication.sender_correlation_id.empty() && publication.sender_connection_id == core_.connection_id()) {
    std::string text;
    render_publication(publication, text, publication.sender_correlation_id);
    ws_->send_text(text);
    return;
  }
  send_publication(*ws_, publication, encoding_slot_, [](const hub::Publication& p, std::string& out) {
    render_publication(p, out);
  });
}

void EventsSession::on_tick(ws::WebSocketConnection&, uint64_t) {
  if (ws_ == nullptr || core_.identity().anonymous) return;
  if (core_.token_expired(now_ms())) refuse("AUTH_EXPIRED", "Authentication token expired", true);
}

void EventsSession::on_disconnected(ws::WebSocketConnection&, uint16_t) {
  *self_ = nullptr;
  if (!core_.identity().anonymous) {
    for (const auto& id : meetings_) {
      services_.meetings.leave(context().shard_index, id, core_.identity().user_id, nullptr);
    }
  }
  meetings_.clear();
  core_.close();
  ws_ = nullptr;
}

}  // namespace sb::dialects::events

// Arbitrary bytes as what arrives from Redis: a publication ("<offset> <epoch> <body>"), a
// presence record, and the stores' records (a notification, a decision, a vote). Decoding
// never crashes, and whatever decodes encodes to bytes that decode to the same.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "cluster/presence_record.h"
#include "cluster/publication_codec.h"
#include "cluster/redis_decision_store.h"
#include "cluster/redis_notification_store.h"

namespace {

void check_presence_record(std::string_view bytes) {
  sb::hub::PresenceMember m;
  if (!sb::cluster::decode_member(bytes, m)) return;
  sb::hub::PresenceMember again;
  if (!sb::cluster::decode_member(sb::cluster::encode_member(m), again)) std::abort();
  if (again.user_id != m.user_id || again.name != m.name || again.status != m.status ||
      again.activity != m.activity || again.connections != m.connections || again.joined_at_ms != m.joined_at_ms ||
      again.last_seen_ms != m.last_seen_ms || again.status_ms != m.status_ms) {
    std::abort();
  }
  std::string_view user, node;
  (void)sb::cluster::split_member_field(bytes, user, node);
}

void check_store_records(std::string_view bytes) {
  using sb::cluster::RedisDecisionStore;
  using sb::cluster::RedisNotificationStore;
  sb::store::StoredNotification n, n2;
  if (RedisNotificationStore::decode(bytes, "id", "user", n)) {
    if (!RedisNotificationStore::decode(RedisNotificationStore::encode(n), "id", "user", n2) || n2.type != n.type ||
        n2.payload != n.payload || n2.created_at_ms != n.created_at_ms || n2.expires_at_ms != n.expires_at_ms) {
      std::abort();
    }
  }
  sb::store::StoredDecision d, d2;
  if (RedisDecisionStore::decode_decision(bytes, d)) {
    if (!RedisDecisionStore::decode_decision(RedisDecisionStore::encode_decision(d), d2) ||
        d2.meeting_id != d.meeting_id || d2.required != d.required || d2.deadline_ms != d.deadline_ms ||
        d2.eligible_users != d.eligible_users || d2.eligible_role != d.eligible_role ||
        d2.has_eligible != d.has_eligible) {
      std::abort();
    }
  }
  sb::store::StoredVote v, v2;
  if (RedisDecisionStore::decode_vote(bytes, v)) {
    if (!RedisDecisionStore::decode_vote(RedisDecisionStore::encode_vote(v), v2) || v2.choice != v.choice ||
        v2.comment != v.comment || v2.cast_at_ms != v.cast_at_ms) {
      std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view message(reinterpret_cast<const char*>(data), size);
  check_presence_record(message);
  check_store_records(message);
  auto p = sb::cluster::decode_message(message);
  if (!p) return 0;
  std::string again = "0 - " + sb::cluster::encode_publication(*p);
  auto q = sb::cluster::decode_message(again);
  if (!q || q->id != p->id || q->channel != p->channel || q->data != p->data || q->time_ms != p->time_ms ||
      q->echo_to_sender != p->echo_to_sender || q->sender_connection_id != p->sender_connection_id) {
    std::abort();
  }
  return 0;
}

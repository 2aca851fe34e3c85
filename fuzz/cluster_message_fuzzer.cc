// Arbitrary bytes as what arrives from Redis: a publication ("<offset> <epoch> <body>") and a
// presence record. Decoding never crashes, and whatever decodes encodes to bytes that decode
// to the same.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "cluster/presence_record.h"
#include "cluster/publication_codec.h"

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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view message(reinterpret_cast<const char*>(data), size);
  check_presence_record(message);
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

// Arbitrary bytes as a publication arriving from Redis ("<offset> <epoch> <body>"): decoding
// never crashes, and whatever decodes encodes back to the same body.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "cluster/publication_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view message(reinterpret_cast<const char*>(data), size);
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

#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

typedef struct z_stream_s z_stream;

namespace sb::protocol::websocket {

// How an endpoint compresses messages (permessage-deflate, RFC 7692).
struct DeflateSettings {
  bool enabled = true;
  size_t threshold = 256;  // messages shorter than this are sent uncompressed
  // Opt-in per-connection contexts. Without them (the default) the server answers every
  // offer with server_no_context_takeover and client_no_context_takeover: a publication is
  // compressed once and the same frame shared by every subscriber, and one inflater per
  // loop serves every connection.
  bool server_context_takeover = false;
  bool client_context_takeover = false;
};

// What one connection negotiated.
struct DeflateParams {
  bool server_no_context_takeover = true;
  bool client_no_context_takeover = true;
  uint8_t server_max_window_bits = 15;  // the client's limit on our window
};

// Picks the first acceptable permessage-deflate offer of a Sec-WebSocket-Extensions value
// (offers separated by commas, parameters by semicolons). An offer with an unknown,
// repeated or invalid parameter is declined, as RFC 7692 section 7 says. Returns true with
// params and the response's header value, false when no offer is acceptable.
bool negotiate_deflate(std::string_view offers, const DeflateSettings& settings, DeflateParams& params,
                       std::string& response);

// Appends payload deflated as one message without context (the trailing 00 00 ff ff
// removed) with this thread's deflater of window_bits; false when zlib failed or the
// window cannot be honoured (8 bits), so the message goes uncompressed.
bool deflate_message(std::string_view payload, uint8_t window_bits, std::string& out);

// Appends the compressed twin of frame (one whole unmasked server text or binary frame):
// the same message deflated without context (window of 15 bits), RSV1 set. Leaves out
// empty when compression would not make it smaller. For frames shared by many connections.
void compress_frame(std::string_view frame, std::string& out);

enum class InflateStatus : uint8_t { kOk, kTooBig, kCorrupt };

// Decompresses client messages. Without context takeover one inflater per thread serves
// every connection (shared()); with it each connection owns one, created on its first
// compressed message.
class MessageInflater {
 public:
  explicit MessageInflater(bool context_takeover) : context_takeover_(context_takeover) {}
  ~MessageInflater();
  MessageInflater(const MessageInflater&) = delete;
  MessageInflater& operator=(const MessageInflater&) = delete;

  // This thread's inflater for connections without client context takeover.
  static MessageInflater& shared();

  // Inflates one message's payload into out (replaced). More than limit bytes of output
  // stops at once with kTooBig (a zip bomb costs at most limit bytes); a stream that is
  // not valid deflate data gives kCorrupt.
  InflateStatus inflate(const uint8_t* data, size_t length, size_t limit, std::string& out);
  // Bytes the zlib state holds (0 before the first message).
  size_t memory_bytes() const;

 private:
  z_stream* stream_ = nullptr;
  bool context_takeover_;
};

// Compresses one connection's messages: without context (window per the negotiation) or,
// opted in, with a context kept across its messages.
class MessageDeflater {
 public:
  MessageDeflater(uint8_t window_bits, bool context_takeover);
  ~MessageDeflater();
  MessageDeflater(const MessageDeflater&) = delete;
  MessageDeflater& operator=(const MessageDeflater&) = delete;

  // Appends payload deflated (the trailing 00 00 ff ff removed) to out; false when zlib
  // failed or the window cannot be honoured (8 bits), so the message goes uncompressed.
  bool deflate(std::string_view payload, std::string& out);
  size_t memory_bytes() const;

 private:
  z_stream* stream_ = nullptr;
  uint8_t window_bits_;
  bool context_takeover_;
};

}  // namespace sb::protocol::websocket

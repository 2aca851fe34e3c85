#include "protocol/websocket/permessage_deflate.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <memory>

#include "protocol/websocket/frame.h"

namespace sb::protocol::websocket {

namespace {

// Speed is the product: level 1 costs a fraction of the default level's CPU for JSON, and
// a shared frame pays it once per publication anyway.
constexpr int kLevel = 1;
constexpr int kSharedMemLevel = 8;      // per-thread deflaters: the fastest hash tables
constexpr int kContextMemLevel = 5;     // per-connection contexts: 16 KB of hash tables
constexpr uint8_t kTrailer[4] = {0x00, 0x00, 0xff, 0xff};  // removed by the sender (7.2.1)
constexpr uint8_t kRsv1 = 0x40;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A window-bits value: 8..15 in decimal, maybe quoted.
bool parse_bits(std::string_view value, uint8_t& bits) {
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
  if (value.empty() || value.size() > 2) return false;
  int n = 0;
  for (char c : value) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + (c - '0');
  }
  if (value.size() == 2 && value[0] == '0') return false;
  if (n < 8 || n > 15) return false;
  bits = static_cast<uint8_t>(n);
  return true;
}

struct Offer {
  bool server_no_context_takeover = false;
  bool client_no_context_takeover = false;
  bool client_max_window_bits = false;
  uint8_t server_max_window_bits = 0;  // 0: not offered
};

// Parses "permessage-deflate; a; b=1" into offer; false when it is another extension or
// has a parameter RFC 7692 does not define, twice, or with an invalid value.
bool parse_offer(std::string_view text, Offer& offer) {
  size_t semicolon = text.find(';');
  if (trim(text.substr(0, semicolon)) != "permessage-deflate") return false;
  bool seen_server_window = false;
  while (semicolon != std::string_view::npos) {
    // Every ";" introduces a parameter: an empty one makes the offer invalid.
    std::string_view rest = text.substr(semicolon + 1);
    semicolon = rest.find(';');
    text = rest;
    std::string_view param = trim(rest.substr(0, semicolon));
    if (param.empty()) return false;
    size_t equals = param.find('=');
    std::string_view name = trim(param.substr(0, equals));
    bool has_value = equals != std::string_view::npos;
    std::string_view value = has_value ? trim(param.substr(equals + 1)) : std::string_view();
    if (name == "server_no_context_takeover") {
      if (has_value || offer.server_no_context_takeover) return false;
      offer.server_no_context_takeover = true;
    } else if (name == "client_no_context_takeover") {
      if (has_value || offer.client_no_context_takeover) return false;
      offer.client_no_context_takeover = true;
    } else if (name == "server_max_window_bits") {
      if (!has_value || seen_server_window || !parse_bits(value, offer.server_max_window_bits)) return false;
      seen_server_window = true;
    } else if (name == "client_max_window_bits") {
      uint8_t ignored = 0;
      if (offer.client_max_window_bits || (has_value && !parse_bits(value, ignored))) return false;
      offer.client_max_window_bits = true;
    } else {
      return false;
    }
  }
  return true;
}

// Raw deflate of one message with deflate's sync flush, the trailing empty block removed.
bool run_deflate(z_stream& stream, std::string_view payload, std::string& out) {
  size_t start = out.size();
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(payload.data()));
  stream.avail_in = static_cast<uInt>(payload.size());
  for (;;) {
    size_t have = out.size();
    size_t room = deflateBound(&stream, stream.avail_in) + 16;
    out.resize(have + room);
    stream.next_out = reinterpret_cast<Bytef*>(out.data() + have);
    stream.avail_out = static_cast<uInt>(room);
    int result = deflate(&stream, Z_SYNC_FLUSH);
    out.resize(have + room - stream.avail_out);
    if (result != Z_OK && result != Z_BUF_ERROR) {
      out.resize(start);
      return false;
    }
    if (stream.avail_in == 0 && stream.avail_out != 0) break;
  }
  if (out.size() - start < 4 || out.compare(out.size() - 4, 4, reinterpret_cast<const char*>(kTrailer), 4) != 0) {
    out.resize(start);
    return false;
  }
  out.resize(out.size() - 4);
  return true;
}

}  // namespace

bool deflate_message(std::string_view payload, uint8_t window_bits, std::string& out) {
  // This thread's deflaters without context, one per window size (created on first use).
  thread_local std::array<std::unique_ptr<MessageDeflater>, 16> deflaters;
  if (window_bits < 9 || window_bits > 15) return false;
  auto& deflater = deflaters[window_bits];
  if (!deflater) deflater = std::make_unique<MessageDeflater>(window_bits, false);
  return deflater->deflate(payload, out);
}

bool negotiate_deflate(std::string_view offers, const DeflateSettings& settings, DeflateParams& params,
                       std::string& response) {
  if (!settings.enabled) return false;
  while (!offers.empty()) {
    size_t comma = offers.find(',');
    std::string_view text = offers.substr(0, comma);
    offers = comma == std::string_view::npos ? std::string_view() : offers.substr(comma + 1);
    Offer offer;
    if (!parse_offer(text, offer)) continue;
    params = DeflateParams{};
    response = "permessage-deflate";
    // Not taking over our own context is always allowed; taking over the client's needs
    // its consent to nothing, but sparing it is the default (one inflater per loop).
    params.server_no_context_takeover = !settings.server_context_takeover || offer.server_no_context_takeover;
    if (params.server_no_context_takeover) response += "; server_no_context_takeover";
    params.client_no_context_takeover = !settings.client_context_takeover || offer.client_no_context_takeover;
    if (params.client_no_context_takeover) response += "; client_no_context_takeover";
    if (offer.server_max_window_bits != 0) {
      params.server_max_window_bits = offer.server_max_window_bits;
      response += "; server_max_window_bits=" + std::to_string(offer.server_max_window_bits);
    }
    // client_max_window_bits needs no answer: one inflater of 15 bits reads any window.
    return true;
  }
  return false;
}

void compress_frame(std::string_view frame, std::string& out) {
  out.clear();
  if (frame.size() < 2) return;
  uint8_t opcode = static_cast<uint8_t>(frame[0]) & 0x0F;
  size_t header = server_frame_header_size(frame);
  if (frame.size() < header) return;
  std::string compressed;
  if (!deflate_message(frame.substr(header), 15, compressed)) return;
  if (compressed.size() + kMaxServerHeader >= frame.size()) return;  // not worth it
  uint8_t head[kMaxServerHeader];
  size_t n = write_frame_header(head, static_cast<Opcode>(opcode), compressed.size());
  head[0] |= kRsv1;
  out.reserve(n + compressed.size());
  out.append(reinterpret_cast<const char*>(head), n);
  out.append(compressed);
}

MessageInflater::~MessageInflater() {
  if (stream_ != nullptr) {
    inflateEnd(stream_);
    delete stream_;
  }
}

MessageInflater& MessageInflater::shared() {
  thread_local MessageInflater inflater(false);
  return inflater;
}

InflateStatus MessageInflater::inflate(const uint8_t* data, size_t length, size_t limit, std::string& out) {
  out.clear();
  if (stream_ == nullptr) {
    stream_ = new z_stream{};
    if (inflateInit2(stream_, -15) != Z_OK) {
      delete stream_;
      stream_ = nullptr;
      return InflateStatus::kCorrupt;
    }
  } else if (!context_takeover_) {
    inflateReset(stream_);
  }
  // The message's bytes, then the empty block's trailer the sender removed.
  const uint8_t* inputs[2] = {data, kTrailer};
  size_t lengths[2] = {length, sizeof(kTrailer)};
  constexpr size_t kChunk = 16 * 1024;
  bool ended = false;
  for (int part = 0; part < 2 && !ended; ++part) {
    stream_->next_in = const_cast<Bytef*>(inputs[part]);
    stream_->avail_in = static_cast<uInt>(lengths[part]);
    while (stream_->avail_in != 0 || part == 1) {
      size_t have = out.size();
      size_t room = std::min(kChunk, limit + 1 - have);
      out.resize(have + room);
      stream_->next_out = reinterpret_cast<Bytef*>(out.data() + have);
      stream_->avail_out = static_cast<uInt>(room);
      int result = ::inflate(stream_, Z_SYNC_FLUSH);
      out.resize(have + room - stream_->avail_out);
      if (out.size() > limit) {
        inflateReset(stream_);
        return InflateStatus::kTooBig;
      }
      if (result == Z_STREAM_END) {
        // A final block ends the stream: the next message starts a new one.
        inflateReset(stream_);
        ended = true;
        break;
      }
      if (result == Z_BUF_ERROR) break;  // no progress possible: input used up
      if (result != Z_OK) {
        inflateReset(stream_);
        return InflateStatus::kCorrupt;
      }
      if (stream_->avail_in == 0 && stream_->avail_out != 0) break;
    }
  }
  return InflateStatus::kOk;
}

size_t MessageInflater::memory_bytes() const {
  // zlib's inflate state and its 32 KB window (allocated on first output).
  return stream_ == nullptr ? 0 : 7 * 1024 + (1u << 15);
}

MessageDeflater::MessageDeflater(uint8_t window_bits, bool context_takeover)
    : window_bits_(window_bits), context_takeover_(context_takeover) {}

MessageDeflater::~MessageDeflater() {
  if (stream_ != nullptr) {
    deflateEnd(stream_);
    delete stream_;
  }
}

bool MessageDeflater::deflate(std::string_view payload, std::string& out) {
  if (window_bits_ < 9 || window_bits_ > 15) return false;  // zlib's raw deflate has no 8
  if (stream_ == nullptr) {
    stream_ = new z_stream{};
    int mem_level = context_takeover_ ? kContextMemLevel : kSharedMemLevel;
    if (deflateInit2(stream_, kLevel, Z_DEFLATED, -window_bits_, mem_level, Z_DEFAULT_STRATEGY) != Z_OK) {
      delete stream_;
      stream_ = nullptr;
      return false;
    }
  } else if (!context_takeover_) {
    deflateReset(stream_);
  }
  return run_deflate(*stream_, payload, out);
}

size_t MessageDeflater::memory_bytes() const {
  if (stream_ == nullptr) return 0;
  int mem_level = context_takeover_ ? kContextMemLevel : kSharedMemLevel;
  // deflate's window (twice its size), hash chains and pending buffer, plus its state.
  return (size_t{1} << (window_bits_ + 2)) + (size_t{1} << (mem_level + 9)) + 6 * 1024;
}

}  // namespace sb::protocol::websocket

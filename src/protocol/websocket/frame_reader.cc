#include "protocol/websocket/frame_reader.h"

#include <cstring>

namespace sb::protocol::websocket {

namespace {

// XORs the payload with the 4-byte masking key, 8 bytes at a time.
void unmask(uint8_t* data, size_t length, const uint8_t key[4]) {
  uint64_t key64;
  uint8_t k8[8] = {key[0], key[1], key[2], key[3], key[0], key[1], key[2], key[3]};
  std::memcpy(&key64, k8, 8);
  size_t i = 0;
  for (; i + 8 <= length; i += 8) {
    uint64_t word;
    std::memcpy(&word, data + i, 8);
    word ^= key64;
    std::memcpy(data + i, &word, 8);
  }
  for (; i < length; ++i) data[i] ^= key[i & 3];
}

}  // namespace

size_t FrameReader::wire_limit(bool compressed) const {
  // Deflate can grow what does not compress: 5 bytes per stored block, and a client with
  // a small memLevel writes small blocks. zlib's own bound for any setting is about 14 %
  // (deflateBound), so such a message may be that much longer on the wire than the limit
  // its inflated size obeys.
  return compressed ? max_message_size_ + max_message_size_ / 8 + max_message_size_ / 64 + 64 : max_message_size_;
}

ReadResult FrameReader::feed(uint8_t* data, size_t length, FrameSink& sink) {
  if (stopped_) return {};
  ReadResult result;
  if (!carry_ || carry_->pending.empty()) {
    size_t used = parse(data, length, sink, result);
    if (result.ok && !stopped_ && used < length) carry().pending.assign(reinterpret_cast<char*>(data) + used, length - used);
  } else {
    std::string& pending = carry_->pending;
    pending.append(reinterpret_cast<char*>(data), length);
    size_t used = parse(reinterpret_cast<uint8_t*>(pending.data()), pending.size(), sink, result);
    pending.erase(0, used);
  }
  if (!result.ok || stopped_) {
    stopped_ = true;
    carry_.reset();
  }
  return result;
}

size_t FrameReader::parse(uint8_t* data, size_t length, FrameSink& sink, ReadResult& result) {
  size_t offset = 0;
  while (!stopped_ && length - offset >= 2) {
    uint8_t* p = data + offset;
    size_t available = length - offset;
    uint8_t b0 = p[0];
    uint8_t b1 = p[1];
    bool fin = (b0 & 0x80) != 0;
    uint8_t opcode = b0 & 0x0F;
    bool compressed = (b0 & 0x70) == 0x40;
    if ((b0 & 0x70) != 0 &&
        (!compressed || inflater_ == nullptr || is_control(opcode) || opcode == static_cast<uint8_t>(Opcode::kContinuation))) {
      // RSV1 only marks a compressed message, on its first frame, once negotiated.
      result = ReadResult::fail(CloseCode::kProtocolError, "reserved bits set");
      return offset;
    }
    if ((opcode > 2 && opcode < 8) || opcode > 10) {
      result = ReadResult::fail(CloseCode::kProtocolError, "reserved opcode");
      return offset;
    }
    if (!(b1 & 0x80)) {
      result = ReadResult::fail(CloseCode::kProtocolError, "client frames must be masked");
      return offset;
    }
    uint64_t payload_length = b1 & 0x7F;
    size_t header = 2;
    if (payload_length == 126) {
      if (available < 4) break;
      payload_length = (uint64_t{p[2]} << 8) | p[3];
      header = 4;
      if (payload_length < 126) {
        result = ReadResult::fail(CloseCode::kProtocolError, "non-minimal length");
        return offset;
      }
    } else if (payload_length == 127) {
      if (available < 10) break;
      payload_length = 0;
      for (int i = 0; i < 8; ++i) payload_length = (payload_length << 8) | p[2 + i];
      header = 10;
      if (payload_length >> 63) {
        result = ReadResult::fail(CloseCode::kProtocolError, "length has the high bit set");
        return offset;
      }
    }
    if (is_control(opcode)) {
      if (!fin) {
        result = ReadResult::fail(CloseCode::kProtocolError, "fragmented control frame");
        return offset;
      }
      if (payload_length > 125) {
        result = ReadResult::fail(CloseCode::kProtocolError, "control frame too long");
        return offset;
      }
    } else if (payload_length + (in_message_ ? message_size() : 0) >
               wire_limit(in_message_ ? message_compressed_ : compressed)) {
      // Refused from the header alone, before buffering a byte of the payload.
      result = ReadResult::fail(CloseCode::kMessageTooBig, close_reason::kTooBig);
      return offset;
    }
    if (available < header + 4 + payload_length) break;
    const uint8_t* key = p + header;
    uint8_t* payload = p + header + 4;
    unmask(payload, payload_length, key);
    offset += header + 4 + payload_length;
    result = handle_frame(opcode, fin, compressed, payload, payload_length, sink);
    if (!result.ok) return offset;
  }
  return offset;
}

ReadResult FrameReader::handle_frame(uint8_t opcode, bool fin, bool compressed, uint8_t* payload, size_t length,
                                     FrameSink& sink) {
  switch (opcode) {
    case static_cast<uint8_t>(Opcode::kPing):
      sink.on_ping(payload, length);
      return {};
    case static_cast<uint8_t>(Opcode::kPong):
      sink.on_pong(payload, length);
      return {};
    case static_cast<uint8_t>(Opcode::kClose): {
      if (length == 1) return ReadResult::fail(CloseCode::kProtocolError, "close payload of one byte");
      uint16_t code = static_cast<uint16_t>(CloseCode::kNoStatus);
      std::string_view reason;
      if (length >= 2) {
        code = static_cast<uint16_t>((payload[0] << 8) | payload[1]);
        if (!is_valid_wire_close_code(code)) return ReadResult::fail(CloseCode::kProtocolError, "invalid close code");
        reason = std::string_view(reinterpret_cast<const char*>(payload + 2), length - 2);
        if (!is_valid_utf8(reason)) return ReadResult::fail(CloseCode::kInvalidPayload, close_reason::kInvalidUtf8);
      }
      stopped_ = true;
      sink.on_close_frame(code, reason);
      return {};
    }
    case static_cast<uint8_t>(Opcode::kContinuation):
      if (!in_message_) return ReadResult::fail(CloseCode::kProtocolError, "continuation without a message");
      break;
    default:  // text or binary
      if (in_message_) return ReadResult::fail(CloseCode::kProtocolError, "new message inside a fragmented one");
      in_message_ = true;
      message_opcode_ = opcode;
      message_compressed_ = compressed;
      utf8_.reset();
      break;
  }
  if (message_compressed_) {
    if (!fin) {
      carry().message.append(reinterpret_cast<char*>(payload), length);
      return {};
    }
    in_message_ = false;
    Opcode op = static_cast<Opcode>(message_opcode_);
    if (message_size() == 0) return deliver_compressed(op, payload, length, sink);
    carry().message.append(reinterpret_cast<char*>(payload), length);
    std::string joined;
    joined.swap(carry_->message);
    return deliver_compressed(op, reinterpret_cast<const uint8_t*>(joined.data()), joined.size(), sink);
  }
  bool text = message_opcode_ == static_cast<uint8_t>(Opcode::kText);
  if (text && !utf8_.feed(payload, length)) {
    return ReadResult::fail(CloseCode::kInvalidPayload, close_reason::kInvalidUtf8);
  }
  if (!fin) {
    carry().message.append(reinterpret_cast<char*>(payload), length);
    return {};
  }
  if (text && !utf8_.complete()) return ReadResult::fail(CloseCode::kInvalidPayload, close_reason::kInvalidUtf8);
  in_message_ = false;
  Opcode op = static_cast<Opcode>(message_opcode_);
  if (message_size() == 0) {
    sink.on_message(op, payload, length);  // whole message in one frame: zero copy
  } else {
    carry().message.append(reinterpret_cast<char*>(payload), length);
    std::string joined;
    joined.swap(carry_->message);
    sink.on_message(op, reinterpret_cast<uint8_t*>(joined.data()), joined.size());
  }
  return {};
}

ReadResult FrameReader::deliver_compressed(Opcode opcode, const uint8_t* data, size_t length, FrameSink& sink) {
  // One buffer per thread: a message is handed up and done with before the next is read.
  thread_local std::string inflated;
  constexpr size_t kKeepCapacity = 256 * 1024;
  InflateStatus status = inflater_->inflate(data, length, max_message_size_, inflated);
  ReadResult result;
  if (status == InflateStatus::kTooBig) {
    result = ReadResult::fail(CloseCode::kMessageTooBig, close_reason::kTooBig);
  } else if (status == InflateStatus::kCorrupt) {
    result = ReadResult::fail(CloseCode::kInvalidPayload, "invalid compressed data");
  } else if (opcode == Opcode::kText && !is_valid_utf8(inflated)) {
    result = ReadResult::fail(CloseCode::kInvalidPayload, close_reason::kInvalidUtf8);
  } else {
    sink.on_message(opcode, reinterpret_cast<uint8_t*>(inflated.data()), inflated.size());
  }
  if (inflated.capacity() > kKeepCapacity) std::string().swap(inflated);
  return result;
}

}  // namespace sb::protocol::websocket

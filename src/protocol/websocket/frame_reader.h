#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "protocol/websocket/close_code.h"
#include "protocol/websocket/frame.h"
#include "protocol/websocket/permessage_deflate.h"
#include "protocol/websocket/utf8_validator.h"

namespace sb::protocol::websocket {

// What the reader hands up. Payloads are unmasked and only valid during the call.
class FrameSink {
 public:
  // A complete data message (all fragments joined). Text is valid UTF-8.
  virtual void on_message(Opcode opcode, uint8_t* data, size_t length) = 0;
  virtual void on_ping(const uint8_t* data, size_t length) = 0;
  virtual void on_pong(const uint8_t* data, size_t length) = 0;
  // A valid Close frame; code is 1005 when the frame had no status.
  virtual void on_close_frame(uint16_t code, std::string_view reason) = 0;

 protected:
  virtual ~FrameSink() = default;
};

// Result of feeding bytes: kOk, or the close code the server must fail the connection with.
struct ReadResult {
  bool ok = true;
  CloseCode code = CloseCode::kNormal;
  std::string_view reason;

  static ReadResult fail(CloseCode c, std::string_view r) { return {false, c, r}; }
};

// Server-side RFC 6455 frame reader: client frames must be masked, RSV bits must be 0 but
// for RSV1 on a message's first frame once permessage-deflate is on, control frames are short and unfragmented, fragments
// are joined with control frames allowed in between, text is UTF-8 checked per fragment
// (fail fast), and a message over max_message_size is refused as soon as its header says so.
// It never allocates for a message that arrives whole in one read.
class FrameReader {
 public:
  explicit FrameReader(size_t max_message_size) : max_message_size_(max_message_size) {}

  // Consumes data (unmasking it in place) and calls the sink once per complete message or
  // control frame. After a Close frame or an error, further input is ignored.
  ReadResult feed(uint8_t* data, size_t length, FrameSink& sink);
  // Stops dispatching (e.g. the session closed the connection from a callback).
  void stop() { stopped_ = true; }
  // Accepts compressed messages (RSV1), inflated by inflater (which outlives the reader).
  // The message-size limit applies to the inflated size (1009), corrupt data gives 1007.
  void set_inflater(MessageInflater* inflater) { inflater_ = inflater; }

 private:
  // Parses frames in data[0..length); returns the number of bytes consumed (whole frames).
  size_t parse(uint8_t* data, size_t length, FrameSink& sink, ReadResult& result);
  ReadResult handle_frame(uint8_t opcode, bool fin, bool compressed, uint8_t* payload, size_t length,
                          FrameSink& sink);
  // The most bytes a message may take on the wire: the limit, with deflate's worst-case
  // growth for a compressed one.
  size_t wire_limit(bool compressed) const;
  // Inflates a whole compressed message and hands it to the sink.
  ReadResult deliver_compressed(Opcode opcode, const uint8_t* data, size_t length, FrameSink& sink);

  size_t max_message_size_;
  // Bytes kept between reads: the unparsed tail of a frame that a read cut, and the
  // fragments of a message still arriving. Idle connections have neither, so both live
  // behind one pointer, allocated when first needed and kept (a client that splits one
  // message usually splits more) until the reader stops.
  struct Carry {
    std::string pending;
    std::string message;
  };
  Carry& carry() {
    if (!carry_) carry_ = std::make_unique<Carry>();
    return *carry_;
  }
  size_t message_size() const { return carry_ ? carry_->message.size() : 0; }
  std::unique_ptr<Carry> carry_;
  MessageInflater* inflater_ = nullptr;  // null: no extension negotiated
  Utf8Validator utf8_;                   // after the pointers: its 3 bytes share a word with the flags
  uint8_t message_opcode_ = 0;
  bool in_message_ = false;
  bool message_compressed_ = false;
  bool stopped_ = false;
};

}  // namespace sb::protocol::websocket

#include "protocol/engineio/engineio_packet.h"

#include <openssl/evp.h>

namespace sb::protocol::engineio {

namespace {

// Standard base64 with padding, as Engine.IO clients send it. OpenSSL decodes whole
// quantums and counts padding as data, so the padding is checked and taken off here.
bool decode_base64(std::string_view text, std::string& out) {
  if (text.size() % 4 != 0) return false;
  size_t padding = 0;
  if (!text.empty() && text.back() == '=') ++padding;
  if (text.size() >= 2 && text[text.size() - 2] == '=') ++padding;
  out.resize(text.size() / 4 * 3);
  if (text.empty()) return true;
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0 || static_cast<size_t>(n) != out.size()) return false;
  out.resize(out.size() - padding);
  return true;
}

}  // namespace

ParseStatus parse_text_packet(std::string_view text, Packet& out, std::string& scratch) {
  if (text.empty()) return ParseStatus::kEmpty;
  char first = text.front();
  if (first == 'b') {
    if (!decode_base64(text.substr(1), scratch)) return ParseStatus::kBadBase64;
    out.type = PacketType::kMessage;
    out.binary = true;
    out.data = scratch;
    return ParseStatus::kOk;
  }
  if (first < '0' || first > '6') return ParseStatus::kUnknownType;
  out.type = static_cast<PacketType>(first - '0');
  out.binary = false;
  out.data = text.substr(1);
  return ParseStatus::kOk;
}

bool split_payload(std::string_view body, size_t max_packets, std::vector<std::string_view>& out) {
  out.clear();
  size_t start = 0;
  while (true) {
    if (out.size() == max_packets) {
      out.clear();
      return false;
    }
    size_t end = body.find(kRecordSeparator, start);
    out.push_back(body.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return true;
    start = end + 1;
  }
}

void append_text_packet(std::string& out, PacketType type, std::string_view data) {
  out += static_cast<char>('0' + static_cast<int>(type));
  out += data;
}

void append_base64_packet(std::string& out, std::string_view bytes) {
  out += 'b';
  size_t at = out.size();
  out.resize(at + 4 * ((bytes.size() + 2) / 3) + 1);  // EVP_EncodeBlock writes a NUL too
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data() + at),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(at + static_cast<size_t>(n));
}

void append_to_payload(std::string& payload, std::string_view packet) {
  if (!payload.empty()) payload += kRecordSeparator;
  payload += packet;
}

std::string_view to_string(ParseStatus status) {
  switch (status) {
    case ParseStatus::kOk: return "ok";
    case ParseStatus::kEmpty: return "empty packet";
    case ParseStatus::kUnknownType: return "unknown packet type";
    case ParseStatus::kBadBase64: return "invalid base64 in a binary packet";
  }
  return "invalid packet";
}

std::string_view to_string(RequestError error) {
  switch (error) {
    case RequestError::kTransportUnknown: return "Transport unknown";
    case RequestError::kUnknownSid: return "Session ID unknown";
    case RequestError::kBadHandshakeMethod: return "Bad handshake method";
    case RequestError::kBadRequest: return "Bad request";
    case RequestError::kForbidden: return "Forbidden";
    case RequestError::kUnsupportedProtocolVersion: return "Unsupported protocol version";
  }
  return "Bad request";
}

std::string error_body(RequestError error) {
  // The messages hold no character that JSON escapes.
  return "{\"code\":" + std::to_string(static_cast<int>(error)) + ",\"message\":\"" + std::string(to_string(error)) +
         "\"}";
}

}  // namespace sb::protocol::engineio

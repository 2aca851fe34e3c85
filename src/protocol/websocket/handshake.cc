#include "protocol/websocket/handshake.h"

#include "protocol/http/origin.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

namespace sb::protocol::websocket {

namespace {
constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

// Length of the decoded bytes of a padded base64 string, or -1 if it is not base64.
int decoded_base64_length(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0) return -1;
  size_t padding = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (alnum || c == '+' || c == '/') {
      if (padding) return -1;
    } else if (c == '=' && i + 2 >= text.size()) {
      ++padding;
    } else {
      return -1;
    }
  }
  return static_cast<int>(text.size() / 4 * 3 - padding);
}
}  // namespace

std::string compute_accept_key(std::string_view client_key) {
  std::string input(client_key);
  input += kGuid;
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  unsigned char encoded[4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1];
  int n = EVP_EncodeBlock(encoded, digest, SHA_DIGEST_LENGTH);
  return std::string(reinterpret_cast<char*>(encoded), static_cast<size_t>(n));
}

HandshakeResult check_upgrade(const http::HttpRequest& request, const HandshakeOptions& options) {
  HandshakeResult result;
  auto fail = [&](int status, std::string why) {
    result.status = status;
    result.error = std::move(why);
    return result;
  };
  if (request.method != "GET") return fail(405, "WebSocket upgrade must use GET");
  if (request.http_minor < 1) return fail(400, "WebSocket upgrade needs HTTP/1.1");
  if (!http::header_has_token(request.header("Upgrade"), "websocket")) {
    return fail(426, "this endpoint speaks WebSocket: send Upgrade: websocket");
  }
  if (!http::header_has_token(request.header("Connection"), "upgrade")) {
    return fail(400, "Connection header must contain Upgrade");
  }
  if (request.header("Sec-WebSocket-Version") != "13") {
    return fail(426, "unsupported Sec-WebSocket-Version (13 is supported)");
  }
  std::string_view key = request.header("Sec-WebSocket-Key");
  if (decoded_base64_length(key) != 16) return fail(400, "Sec-WebSocket-Key must be 16 bytes in base64");
  if (!options.allowed_origins.empty() && !request.header("Origin").empty() &&
      !http::origin_in(options.allowed_origins, request.header("Origin"))) {
    return fail(403, "Origin not allowed");
  }
  std::string_view offered = request.header("Sec-WebSocket-Protocol");
  for (const auto& candidate : options.subprotocols) {
    if (http::header_has_token(offered, candidate)) {
      result.subprotocol = candidate;
      break;
    }
  }
  if (options.deflate.enabled) {
    std::string offers;  // every line of the header, as one comma-separated list
    for (const auto& [name, value] : request.headers) {
      if (!http::iequals(name, "Sec-WebSocket-Extensions")) continue;
      if (!offers.empty()) offers += ',';
      offers += value;
    }
    result.deflate = negotiate_deflate(offers, options.deflate, result.deflate_params, result.extensions);
  }
  result.accept_key = compute_accept_key(key);
  return result;
}

bool origin_allowed_for_cookies(const http::HttpRequest& request, const std::vector<std::string>& allowed_origins) {
  std::string_view origin = request.header("Origin");
  if (origin.empty()) return true;
  if (!allowed_origins.empty()) return http::origin_in(allowed_origins, origin);
  // scheme "://" host [":" port], compared with Host (whose port may be written out).
  size_t scheme_end = origin.find("://");
  if (scheme_end == std::string_view::npos) return false;  // "null" and other opaque origins
  std::string_view scheme = origin.substr(0, scheme_end);
  std::string_view authority = origin.substr(scheme_end + 3);
  if (authority.find('/') != std::string_view::npos || authority.empty()) return false;
  std::string_view host = request.header("Host");
  if (http::iequals(authority, host)) return true;
  std::string with_port(authority);
  with_port += http::iequals(scheme, "https") || http::iequals(scheme, "wss") ? ":443" : ":80";
  return http::iequals(with_port, host);
}

void append_upgrade_response(const HandshakeResult& result, std::string& out) {
  out += "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n";
  out += "Sec-WebSocket-Accept: ";
  out += result.accept_key;
  out += "\r\n";
  if (!result.subprotocol.empty()) {
    out += "Sec-WebSocket-Protocol: ";
    out += result.subprotocol;
    out += "\r\n";
  }
  if (!result.extensions.empty()) {
    out += "Sec-WebSocket-Extensions: ";
    out += result.extensions;
    out += "\r\n";
  }
  out += "\r\n";
}

}  // namespace sb::protocol::websocket

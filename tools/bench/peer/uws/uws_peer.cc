// The C++ benchmark peer: a small server on uWebSockets speaking the subset of the topics
// dialect that switchboard-bench uses, written the way a uWS application would be:
//   {"type":"auth","token":<HS256 JWT>}        -> auth_success (signature and expiry checked)
//   {"type":"subscribe","topic":T}             -> subscribed (uWS's own topic tree)
//   {"type":"message","topic":T,"data":...}    -> one serialised publication to every
//                                                 subscriber of T (App::publish)
//   {"type":"ping"}                            -> pong
// Every connection is accepted with uWS's plain upgrade; authentication is a message, as in
// Switchboard's topics dialect. Built by scripts/bench.sh from the uWebSockets and uSockets
// sources the user points to (UWS_DIR, USOCKETS_DIR); never part of the product.
// Usage: PORT=3105 JWT_SECRET=... uws-peer
#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <simdjson.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <string_view>

#include "App.h"

namespace {

struct Connection {
  std::string user;  // empty until authenticated
  unsigned long id = 0;
};

std::string secret;
unsigned long connections = 0;
unsigned long publications = 0;

std::string iso_now() {
  auto now = std::chrono::system_clock::now();
  std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(millis));
  return text;
}

// Base64url without padding, as JWTs carry it.
std::string base64url(const unsigned char* bytes, size_t n) {
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  for (size_t i = 0; i < n; i += 3) {
    unsigned v = bytes[i] << 16 | (i + 1 < n ? bytes[i + 1] << 8 : 0) | (i + 2 < n ? bytes[i + 2] : 0);
    out += kAlphabet[v >> 18 & 63];
    out += kAlphabet[v >> 12 & 63];
    if (i + 1 < n) out += kAlphabet[v >> 6 & 63];
    if (i + 2 < n) out += kAlphabet[v & 63];
  }
  return out;
}

std::string base64url_decode(std::string_view in) {
  std::string out;
  unsigned bits = 0;
  int count = 0;
  for (char c : in) {
    int v = c >= 'A' && c <= 'Z' ? c - 'A' : c >= 'a' && c <= 'z' ? c - 'a' + 26 : c >= '0' && c <= '9' ? c - '0' + 52
            : c == '-' ? 62 : c == '_' ? 63 : -1;
    if (v < 0) return {};
    bits = bits << 6 | static_cast<unsigned>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += static_cast<char>(bits >> count & 0xFF);
    }
  }
  return out;
}

// Checks an HS256 token's signature (constant time) and expiry; returns its subject, or
// empty when the token is not valid.
std::string verify(std::string_view token) {
  size_t first = token.find('.');
  size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos) return {};
  unsigned char mac[32];
  unsigned int mac_length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), reinterpret_cast<const unsigned char*>(token.data()),
       second, mac, &mac_length);
  std::string expected = base64url(mac, mac_length);
  std::string_view given = token.substr(second + 1);
  if (given.size() != expected.size() || CRYPTO_memcmp(given.data(), expected.data(), given.size()) != 0) return {};
  simdjson::padded_string claims(base64url_decode(token.substr(first + 1, second - first - 1)));
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc;
  if (parser.iterate(claims).get(doc)) return {};
  int64_t exp = 0;
  if (!doc["exp"].get_int64().get(exp) && exp < std::time(nullptr)) return {};
  std::string_view sub;
  if (doc["sub"].get_string().get(sub)) return {};
  return std::string(sub);
}

}  // namespace

int main() {
  const char* port_text = std::getenv("PORT");
  const char* secret_text = std::getenv("JWT_SECRET");
  int port = port_text ? std::atoi(port_text) : 3105;
  secret = secret_text ? secret_text : "switchboard-development-secret-change-me";

  uWS::App app;
  uWS::App* app_ptr = &app;
  simdjson::ondemand::parser parser;
  app.ws<Connection>("/ws",
                     {
                         .compression = uWS::DISABLED,
                         .maxPayloadLength = 1 << 20,
                         .idleTimeout = 120,
                         // Deep enough that a fan-out burst is queued, never dropped, as
                         // Switchboard and the Node peer queue it.
                         .maxBackpressure = 64 << 20,
                         .open = [](auto* ws) { ws->getUserData()->id = ++connections; },
                         .message =
                             [app_ptr, &parser](auto* ws, std::string_view raw, uWS::OpCode) {
                               Connection& c = *ws->getUserData();
                               simdjson::padded_string text(raw);
                               simdjson::ondemand::document doc;
                               std::string_view type;
                               if (parser.iterate(text).get(doc) || doc["type"].get_string().get(type)) {
                                 ws->send("{\"type\":\"error\",\"code\":400,\"message\":\"Invalid message format\",\"timestamp\":\"" +
                                              iso_now() + "\"}",
                                          uWS::OpCode::TEXT);
                                 return;
                               }
                               if (type == "ping") {
                                 ws->send("{\"type\":\"pong\",\"timestamp\":\"" + iso_now() + "\"}", uWS::OpCode::TEXT);
                                 return;
                               }
                               if (type == "auth") {
                                 std::string_view token;
                                 std::string user = doc["token"].get_string().get(token) ? std::string() : verify(token);
                                 if (user.empty()) {
                                   ws->send("{\"type\":\"auth_error\",\"message\":\"Invalid token\",\"code\":401,\"timestamp\":\"" +
                                                iso_now() + "\"}",
                                            uWS::OpCode::TEXT);
                                   return;
                                 }
                                 c.user = user;
                                 ws->send("{\"type\":\"auth_success\",\"userId\":\"" + c.user + "\",\"timestamp\":\"" + iso_now() + "\"}",
                                          uWS::OpCode::TEXT);
                                 return;
                               }
                               if (c.user.empty()) {
                                 ws->send("{\"type\":\"error\",\"code\":401,\"message\":\"Authentication required\",\"timestamp\":\"" +
                                              iso_now() + "\"}",
                                          uWS::OpCode::TEXT);
                                 return;
                               }
                               std::string_view topic;
                               if (doc["topic"].get_string().get(topic)) return;
                               std::string topic_copy(topic);
                               if (type == "subscribe") {
                                 ws->subscribe(topic_copy);
                                 ws->send("{\"type\":\"subscribed\",\"topic\":\"" + topic_copy + "\",\"timestamp\":\"" + iso_now() + "\"}",
                                          uWS::OpCode::TEXT);
                                 return;
                               }
                               if (type == "message") {
                                 std::string_view data;
                                 if (simdjson::to_json_string(doc["data"]).get(data)) data = "null";
                                 std::string out = "{\"type\":\"message\",\"topic\":\"" + topic_copy +
                                                   "\",\"eventType\":\"message\",\"data\":" + std::string(data) +
                                                   ",\"metadata\":{\"senderId\":\"" + c.user + "\",\"senderConnectionId\":\"conn-" +
                                                   std::to_string(c.id) + "\"},\"id\":\"p-" + std::to_string(++publications) +
                                                   "\",\"timestamp\":\"" + iso_now() + "\"}";
                                 app_ptr->publish(topic_copy, out, uWS::OpCode::TEXT);
                               }
                             },
                     })
      .listen("127.0.0.1", port,
              [port](auto* listen_socket) {
                if (!listen_socket) {
                  std::fprintf(stderr, "uws-peer: cannot listen on %d\n", port);
                  std::exit(1);
                }
                std::fprintf(stderr, "{\"event\":\"server.listening\",\"port\":%d}\n", port);
              })
      .run();
}

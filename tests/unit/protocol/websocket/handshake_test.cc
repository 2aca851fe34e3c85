#include "protocol/websocket/handshake.h"

#include <gtest/gtest.h>

#include "protocol/websocket/frame.h"

namespace sb::protocol::websocket {

namespace {
http::HttpRequest upgrade_request() {
  http::HttpRequest r;
  r.method = "GET";
  r.target = "/ws";
  r.upgrade = true;
  r.headers = {{"Host", "x"},
               {"Upgrade", "websocket"},
               {"Connection", "keep-alive, Upgrade"},
               {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="},
               {"Sec-WebSocket-Version", "13"}};
  return r;
}
void set_header(http::HttpRequest& r, const std::string& name, const std::string& value) {
  for (auto& h : r.headers)
    if (h.first == name) h.second = value;
}
}  // namespace

TEST(Handshake, ComputesTheRfcExampleAcceptKey) {
  EXPECT_EQ(compute_accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(Handshake, AcceptsAValidUpgradeAndNegotiatesSubprotocol) {
  auto r = upgrade_request();
  r.headers.emplace_back("Sec-WebSocket-Protocol", "chat, json");
  HandshakeOptions options;
  options.subprotocols = {"json"};
  HandshakeResult result = check_upgrade(r, options);
  EXPECT_EQ(result.status, 101);
  EXPECT_EQ(result.subprotocol, "json");
  std::string out;
  append_upgrade_response(result, out);
  EXPECT_NE(out.find("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"), std::string::npos);
  EXPECT_NE(out.find("Sec-WebSocket-Protocol: json\r\n"), std::string::npos);
}

TEST(Handshake, RejectsBadRequestsWithTheRightStatus) {
  auto r = upgrade_request();
  set_header(r, "Sec-WebSocket-Version", "8");
  EXPECT_EQ(check_upgrade(r, {}).status, 426);
  r = upgrade_request();
  set_header(r, "Sec-WebSocket-Key", "short");
  EXPECT_EQ(check_upgrade(r, {}).status, 400);
  r = upgrade_request();
  set_header(r, "Connection", "keep-alive");
  EXPECT_EQ(check_upgrade(r, {}).status, 400);
  r = upgrade_request();
  r.method = "POST";
  EXPECT_EQ(check_upgrade(r, {}).status, 405);
  r = upgrade_request();
  r.headers.emplace_back("Origin", "https://evil.example");
  HandshakeOptions options;
  options.allowed_origins = {"https://app.example"};
  EXPECT_EQ(check_upgrade(r, options).status, 403);
}

TEST(Handshake, CookieUpgradesOnlyFromAllowedOrSameHostOrigins) {
  auto r = upgrade_request();  // Host: x, no Origin: not a browser
  EXPECT_TRUE(origin_allowed_for_cookies(r, {}));
  r.headers.emplace_back("Origin", "http://x");
  EXPECT_TRUE(origin_allowed_for_cookies(r, {}));
  set_header(r, "Origin", "https://evil.example");
  EXPECT_FALSE(origin_allowed_for_cookies(r, {}));
  set_header(r, "Origin", "null");
  EXPECT_FALSE(origin_allowed_for_cookies(r, {}));
  set_header(r, "Origin", "http://x.evil");
  EXPECT_FALSE(origin_allowed_for_cookies(r, {}));
  set_header(r, "Host", "app.example:443");
  set_header(r, "Origin", "https://app.example");
  EXPECT_TRUE(origin_allowed_for_cookies(r, {}));  // the default port written out
  EXPECT_FALSE(origin_allowed_for_cookies(r, {"https://other.example"}));
  EXPECT_TRUE(origin_allowed_for_cookies(r, {"https://app.example"}));
  // Without an Origin a configured list does not refuse the handshake either.
  auto plain = upgrade_request();
  HandshakeOptions options;
  options.allowed_origins = {"https://app.example"};
  EXPECT_EQ(check_upgrade(plain, options).status, 101);
}

TEST(Frame, WritesMinimalLengthEncodings) {
  uint8_t h[kMaxServerHeader];
  EXPECT_EQ(write_frame_header(h, Opcode::kText, 125), 2u);
  EXPECT_EQ(write_frame_header(h, Opcode::kText, 126), 4u);
  EXPECT_EQ(h[1], 126);
  EXPECT_EQ(write_frame_header(h, Opcode::kBinary, 65536), 10u);
  EXPECT_EQ(h[0], 0x82);
  EXPECT_EQ(h[1], 127);
  std::string close;
  append_close_frame(close, 1000, std::string(200, 'r'));
  EXPECT_EQ(close.size(), 2u + 125u);  // reason truncated to fit a control frame
}

}  // namespace sb::protocol::websocket

#include "protocol/http/request_parser.h"

#include <gtest/gtest.h>

namespace sb::protocol::http {

namespace {
RequestParser::Status feed_all(RequestParser& p, std::string_view text, size_t& consumed) {
  return p.feed(text.data(), text.size(), consumed);
}
}  // namespace

TEST(RequestParser, ParsesRequestLineHeadersAndBody) {
  RequestParser p;
  std::string_view text = "POST /api/publish?x=1&y=a%20b HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n"
                          "X-Multi: a\r\n\r\nbody";
  size_t consumed = 0;
  ASSERT_EQ(feed_all(p, text, consumed), RequestParser::Status::kComplete);
  EXPECT_EQ(consumed, text.size());
  const HttpRequest& r = p.request();
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.path(), "/api/publish");
  EXPECT_EQ(r.query_param("y"), "a b");
  EXPECT_EQ(r.header("content-length"), "4");
  EXPECT_EQ(r.body, "body");
  EXPECT_TRUE(r.keep_alive);
}

TEST(RequestParser, HandlesBytesArrivingOneAtATime) {
  RequestParser p;
  std::string text = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
  RequestParser::Status status = RequestParser::Status::kNeedMore;
  for (size_t i = 0; i < text.size(); ++i) {
    size_t consumed = 0;
    status = p.feed(text.data() + i, 1, consumed);
    if (i + 1 < text.size()) {
      ASSERT_EQ(status, RequestParser::Status::kNeedMore);
    }
  }
  EXPECT_EQ(status, RequestParser::Status::kComplete);
  EXPECT_EQ(p.request().path(), "/health");
}

TEST(RequestParser, StopsAfterOneOfTwoPipelinedRequests) {
  RequestParser p;
  std::string_view text = "GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n";
  size_t consumed = 0;
  ASSERT_EQ(feed_all(p, text, consumed), RequestParser::Status::kComplete);
  EXPECT_EQ(p.request().path(), "/a");
  p.reset();
  size_t second = 0;
  ASSERT_EQ(p.feed(text.data() + consumed, text.size() - consumed, second), RequestParser::Status::kComplete);
  EXPECT_EQ(p.request().path(), "/b");
}

TEST(RequestParser, StopsAtTheEndOfAnUpgradeRequest) {
  RequestParser p;
  std::string text = "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
  std::string frames = "\x81\x80xxxx";
  size_t consumed = 0;
  std::string all = text + frames;
  ASSERT_EQ(feed_all(p, all, consumed), RequestParser::Status::kComplete);
  EXPECT_TRUE(p.request().upgrade);
  EXPECT_EQ(consumed, text.size());
}

TEST(RequestParser, RejectsGarbageWith400) {
  RequestParser p;
  size_t consumed = 0;
  EXPECT_EQ(feed_all(p, "NOT HTTP AT ALL\r\n\r\n", consumed), RequestParser::Status::kError);
  EXPECT_EQ(p.error_status(), 400);
}

TEST(RequestParser, RejectsOversizedHeadersWith431) {
  RequestParser p(ParserLimits{128, 1024});
  std::string text = "GET / HTTP/1.1\r\nX-Big: " + std::string(200, 'a') + "\r\n\r\n";
  size_t consumed = 0;
  EXPECT_EQ(feed_all(p, text, consumed), RequestParser::Status::kError);
  EXPECT_EQ(p.error_status(), 431);
}

TEST(RequestParser, RejectsOversizedBodyWith413BeforeReadingIt) {
  RequestParser p(ParserLimits{1024, 10});
  size_t consumed = 0;
  EXPECT_EQ(feed_all(p, "POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n", consumed), RequestParser::Status::kError);
  EXPECT_EQ(p.error_status(), 413);
}

TEST(HttpRequest, HeaderTokensAreCaseInsensitiveAndCommaSeparated) {
  EXPECT_TRUE(header_has_token("keep-alive, Upgrade", "upgrade"));
  EXPECT_FALSE(header_has_token("keep-alive", "upgrade"));
  EXPECT_FALSE(header_has_token("upgraded", "upgrade"));
}

}  // namespace sb::protocol::http

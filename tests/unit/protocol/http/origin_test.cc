#include "protocol/http/origin.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sb::protocol::http {

TEST(OriginMatches, ExactOriginsWithTheirSchemeAndPort) {
  EXPECT_TRUE(origin_matches("https://app.example.com", "https://app.example.com"));
  EXPECT_TRUE(origin_matches("https://app.example.com", "HTTPS://App.Example.com"));
  EXPECT_FALSE(origin_matches("https://app.example.com", "http://app.example.com"));
  EXPECT_FALSE(origin_matches("https://app.example.com", "https://app.example.com:8443"));
  EXPECT_TRUE(origin_matches("http://localhost:5173", "http://localhost:5173"));
  EXPECT_FALSE(origin_matches("http://localhost:5173", "http://localhost:5174"));
  EXPECT_FALSE(origin_matches("https://app.example.com", "https://app.example.com.evil.net"));
}

TEST(OriginMatches, WildcardSubdomainsButNotTheDomainItself) {
  EXPECT_TRUE(origin_matches("https://*.example.com", "https://a.example.com"));
  EXPECT_TRUE(origin_matches("https://*.example.com", "https://a.b.example.com"));
  EXPECT_FALSE(origin_matches("https://*.example.com", "https://example.com"));
  EXPECT_FALSE(origin_matches("https://*.example.com", "https://evilexample.com"));
  EXPECT_FALSE(origin_matches("https://*.example.com", "https://a.example.com.evil.net"));
  EXPECT_FALSE(origin_matches("https://*.example.com", "http://a.example.com"));
  EXPECT_FALSE(origin_matches("https://*.example.com", "https://a.example.com:444"));
}

TEST(OriginMatches, EntriesWithoutASchemeTakeHttpAndHttps) {
  EXPECT_TRUE(origin_matches("*.example.com", "http://a.example.com"));
  EXPECT_TRUE(origin_matches("*.example.com", "https://a.example.com"));
  EXPECT_FALSE(origin_matches("*.example.com", "ftp://a.example.com"));
  EXPECT_TRUE(origin_matches("app.example.com:8443", "https://app.example.com:8443"));
  EXPECT_FALSE(origin_matches("app.example.com", "https://app.example.com:8443"));
}

TEST(OriginMatches, Ipv6LiteralsKeepTheirColons) {
  EXPECT_TRUE(origin_matches("http://[::1]:8080", "http://[::1]:8080"));
  EXPECT_FALSE(origin_matches("http://[::1]", "http://[::1]:8080"));
  EXPECT_TRUE(origin_matches("http://[::1]", "http://[::1]"));
}

TEST(OriginMatches, AnyOriginAndOpaqueOnes) {
  EXPECT_TRUE(origin_matches("*", "https://anything.test"));
  EXPECT_FALSE(origin_matches("*", ""));
  EXPECT_FALSE(origin_matches("https://*.example.com", "null"));
  EXPECT_FALSE(origin_matches("null", "null"));  // an opaque origin is never allowed by name
  EXPECT_TRUE(origin_in({"https://one.test", "*.two.test"}, "https://x.two.test"));
  EXPECT_FALSE(origin_in({}, "https://one.test"));
}

TEST(Cors, PreflightForAnAllowedOriginOnlyAndHeadersOnAnswers) {
  std::vector<std::string> allowed = {"https://*.example.com"};
  HttpRequest preflight;
  preflight.method = "OPTIONS";
  preflight.headers.emplace_back("Origin", "https://app.example.com");
  preflight.headers.emplace_back("Access-Control-Request-Method", "POST");
  auto answer = cors_preflight(preflight, allowed);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 204);
  std::string out;
  serialize(*answer, out);
  EXPECT_NE(out.find("Access-Control-Allow-Origin: https://app.example.com\r\n"), std::string::npos) << out;
  EXPECT_NE(out.find("Access-Control-Allow-Headers: Authorization, Content-Type\r\n"), std::string::npos);
  HttpRequest foreign = preflight;
  foreign.headers[0].second = "https://evil.test";
  ASSERT_TRUE(cors_preflight(foreign, allowed));
  EXPECT_EQ(cors_preflight(foreign, allowed)->status, 403);
  EXPECT_EQ(cors_preflight(preflight, {})->status, 403);  // no list: no cross-origin page
  HttpRequest get;
  get.method = "GET";
  EXPECT_FALSE(cors_preflight(get, allowed));  // not a preflight: the API answers it

  HttpResponse refused = json_response(200, "{}");
  add_cors_headers("https://evil.test", allowed, refused);
  ASSERT_EQ(refused.headers.size(), 1u);  // Vary only: no Allow-Origin
  EXPECT_EQ(refused.headers[0].first, "Vary");
  HttpResponse response = json_response(200, "{}");
  add_cors_headers("https://app.example.com", allowed, response);
  ASSERT_EQ(response.headers.size(), 2u);
  EXPECT_EQ(response.headers[1].first, "Access-Control-Allow-Origin");
  EXPECT_EQ(response.headers[1].second, "https://app.example.com");
  HttpResponse unlisted = json_response(200, "{}");
  add_cors_headers("https://app.example.com", {}, unlisted);
  EXPECT_TRUE(unlisted.headers.empty());
}

}  // namespace sb::protocol::http

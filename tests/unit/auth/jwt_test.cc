#include "auth/jwt.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "auth/base64url.h"

namespace sb::auth {

namespace {
constexpr int64_t kNow = 1'800'000'000;

JwtSettings hs256() {
  JwtSettings s;
  s.secret = "test-secret";
  return s;
}

std::unique_ptr<JwtCodec> codec(const JwtSettings& s) {
  std::string error;
  auto c = JwtCodec::create(s, error);
  EXPECT_TRUE(c) << error;
  return c;
}

std::string sign(const JwtCodec& c, std::string_view claims) {
  std::string error;
  std::string t = c.sign(claims, error);
  EXPECT_FALSE(t.empty()) << error;
  return t;
}

// A fresh key pair as PEM (private), generated with OpenSSL for the test.
std::string generate_private_pem(bool ec) {
  EVP_PKEY* key = ec ? EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")
                     : EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(n));
  BIO_free(bio);
  EVP_PKEY_free(key);
  return pem;
}
}  // namespace

TEST(Jwt, SignsAndVerifiesHs256WithIdentityClaims) {
  auto c = codec(hs256());
  std::string token = sign(*c, make_claims(hs256(), "alice", "Alice", {"editor"}, {"matter:read"}, kNow, 60));
  Identity id;
  ASSERT_EQ(c->verify(token, kNow, id), JwtStatus::kOk);
  EXPECT_FALSE(id.anonymous);
  EXPECT_EQ(id.user_id, "alice");
  EXPECT_EQ(id.name, "Alice");
  EXPECT_EQ(id.roles(), std::vector<std::string>{"editor"});
  EXPECT_TRUE(id.has_permission("matter:read"));
  EXPECT_EQ(id.valid_until, kNow + 60 + hs256().leeway_seconds);  // exp plus the leeway
}

TEST(Jwt, TheTenantComesFromTheConfiguredClaim) {
  std::string claims = make_claims(hs256(), "ana", "Ana", {}, {}, kNow, 60);
  claims.insert(claims.size() - 1, R"(,"companyId":"acme","org":"globex")");
  Identity id;
  ASSERT_EQ(codec(hs256())->verify(sign(*codec(hs256()), claims), kNow, id), JwtStatus::kOk);
  EXPECT_EQ(id.tenant(), "acme");  // companyId, by default
  JwtSettings org = hs256();
  org.tenant_claim = "org";
  ASSERT_EQ(codec(org)->verify(sign(*codec(org), claims), kNow, id), JwtStatus::kOk);
  EXPECT_EQ(id.tenant(), "globex");
  org.tenant_claim = "missing";
  ASSERT_EQ(codec(org)->verify(sign(*codec(org), claims), kNow, id), JwtStatus::kOk);
  EXPECT_EQ(id.tenant(), "");  // no fallback to the other names once one is configured
}

TEST(Jwt, RareClaimsAreReadAndCopiedWithTheIdentity) {
  std::string claims = make_claims(hs256(), "ana", "Ana", {}, {}, kNow, 60);
  claims.insert(claims.size() - 1, R"(,"picture":"https://img/ana.png","sid":"s-9","teams":["red","blue"])");
  Identity id;
  ASSERT_EQ(codec(hs256())->verify(sign(*codec(hs256()), claims), kNow, id), JwtStatus::kOk);
  EXPECT_EQ(id.avatar(), "https://img/ana.png");
  EXPECT_EQ(id.session_id(), "s-9");
  EXPECT_EQ(id.teams(), (std::vector<std::string>{"red", "blue"}));
  Identity copy = id;
  id.rare().teams.clear();
  EXPECT_EQ(copy.teams().size(), 2u);  // a copy owns its rare claims
  // A token without them leaves none behind from the previous one.
  ASSERT_EQ(codec(hs256())->verify(sign(*codec(hs256()), make_claims(hs256(), "bo", "Bo", {}, {}, kNow, 60)), kNow, id),
            JwtStatus::kOk);
  EXPECT_EQ(id.avatar(), "");
  EXPECT_TRUE(id.teams().empty());
}

TEST(Jwt, UsersWithEqualRolesAndPermissionsShareOneCopyOfThem) {
  auto c = codec(hs256());
  auto verify = [&](const char* user, std::vector<std::string> roles, std::vector<std::string> permissions) {
    Identity id;
    EXPECT_EQ(c->verify(sign(*c, make_claims(hs256(), user, user, roles, permissions, kNow, 60)), kNow, id),
              JwtStatus::kOk);
    return id;
  };
  Identity ana = verify("ana", {"editor"}, {"document:read", "document:write"});
  Identity bo = verify("bo", {"editor"}, {"document:read", "document:write"});
  Identity cy = verify("cy", {"editor"}, {"document:read"});
  EXPECT_EQ(&ana.roles(), &bo.roles());  // one copy for both
  EXPECT_EQ(&ana.permissions(), &bo.permissions());
  EXPECT_NE(&ana.permissions(), &cy.permissions());
  EXPECT_EQ(cy.roles(), std::vector<std::string>{"editor"});
  EXPECT_TRUE(bo.has_permission("document:write"));
  EXPECT_FALSE(cy.has_permission("document:write"));
  // Changing one identity's lists leaves the other's alone.
  bo.set_permissions({"document:read"});
  EXPECT_TRUE(ana.has_permission("document:write"));
  EXPECT_FALSE(bo.has_permission("document:write"));
  // A space-separated scope is a permission list too.
  Identity dee;
  ASSERT_EQ(c->verify(sign(*c, R"({"sub":"dee","exp":1900000000,"scope":"document:read  chat:write"})"), kNow, dee),
            JwtStatus::kOk);
  EXPECT_EQ(dee.permissions(), (std::vector<std::string>{"document:read", "chat:write"}));
  EXPECT_TRUE(dee.roles().empty());
}

TEST(Jwt, OneLeewayForVerificationAndTheExpiryInstant) {
  auto c = codec(hs256());  // leeway 30 s
  Identity id;
  // Expired 10 s ago: still within the leeway, and valid_until says until when.
  ASSERT_EQ(c->verify(sign(*c, R"({"sub":"a","exp":1799999990})"), kNow, id), JwtStatus::kOk);
  EXPECT_EQ(id.valid_until, 1799999990 + 30);
  EXPECT_GT(id.valid_until, kNow);
  EXPECT_EQ(c->verify(sign(*c, R"({"sub":"a","exp":1799999960})"), kNow, id), JwtStatus::kExpired);
}

TEST(Jwt, TimeClaimsMustBeNumbersInRange) {
  auto c = codec(hs256());
  Identity id;
  for (const char* claims : {R"({"sub":"a","exp":"9999999999"})", R"({"sub":"a","exp":null})",
                             R"({"sub":"a","exp":true})", R"({"sub":"a","exp":[1]})", R"({"sub":"a","nbf":"0"})",
                             R"({"sub":"a","iat":{}})", R"({"sub":"a","exp":-5})", R"({"sub":"a","exp":1e300})",
                             R"({"sub":"a","exp":99999999999999})", R"({"sub":"a","exp":18446744073709551615})"}) {
    EXPECT_EQ(c->verify(sign(*c, claims), kNow, id), JwtStatus::kInvalidTimeClaim) << claims;
  }
  EXPECT_EQ(c->verify(sign(*c, R"({"sub":"a","exp":1800000100.5,"iat":1799999999.9})"), kNow, id), JwtStatus::kOk);
}

TEST(Jwt, OnlyTheCanonicalEncodingVerifies) {
  auto c = codec(hs256());
  std::string token = sign(*c, R"({"sub":"alice","n":1})");
  Identity id;
  ASSERT_EQ(c->verify(token, kNow, id), JwtStatus::kOk);
  // Padding on any part, or a last character whose unused bits are set, is another
  // spelling of the same bytes: refused.
  size_t dot1 = token.find('.');
  size_t dot2 = token.find('.', dot1 + 1);
  std::string padded = token.substr(0, dot2) + "=" + token.substr(dot2);
  EXPECT_EQ(c->verify(padded, kNow, id), JwtStatus::kMalformed);
  // The HS256 signature is 32 bytes: 43 characters, the last carrying 2 unused bits.
  std::string sig = token.substr(dot2 + 1);
  ASSERT_EQ(sig.size(), 43u);
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  size_t last = alphabet.find(sig.back());
  std::string twin = token.substr(0, dot2 + 1) + sig.substr(0, 42) + alphabet[last ^ 1];
  EXPECT_EQ(c->verify(twin, kNow, id), JwtStatus::kMalformed);
}

TEST(Jwt, RejectsTamperingWrongKeysAndAlgorithms) {
  auto c = codec(hs256());
  std::string token = sign(*c, R"({"sub":"alice"})");
  Identity id;
  std::string tampered = token;
  tampered[tampered.find('.') + 2] ^= 1;
  EXPECT_NE(c->verify(tampered, kNow, id), JwtStatus::kOk);
  JwtSettings other = hs256();
  other.secret = "other";
  EXPECT_EQ(codec(other)->verify(token, kNow, id), JwtStatus::kBadSignature);
  std::string none = base64url_encode(R"({"alg":"none"})") + "." + base64url_encode(R"({"sub":"a"})") + ".";
  EXPECT_EQ(c->verify(none, kNow, id), JwtStatus::kWrongAlgorithm);
  EXPECT_EQ(c->verify("not-a-token", kNow, id), JwtStatus::kMalformed);
  EXPECT_EQ(c->verify("a.b.c.d", kNow, id), JwtStatus::kMalformed);
}

TEST(Jwt, ChecksExpiryNotBeforeIssuerAudienceAndSubject) {
  JwtSettings s = hs256();
  s.issuer = "switchboard";
  s.audience = "clients";
  s.leeway_seconds = 0;
  auto c = codec(s);
  Identity id;
  EXPECT_EQ(c->verify(sign(*c, R"({"sub":"a","iss":"switchboard","aud":"clients","exp":10})"), kNow, id),
            JwtStatus::kExpired);
  EXPECT_EQ(c->verify(sign(*c, R"({"sub":"a","iss":"switchboard","aud":"clients","nbf":1900000000})"), kNow, id),
            JwtStatus::kNotYetValid);
  EXPECT_EQ(c->verify(sign(*c, R"({"sub":"a","iss":"x","aud":"clients"})"), kNow, id), JwtStatus::kWrongIssuer);
  EXPECT_EQ(c->verify(sign(*c, R"({"sub":"a","iss":"switchboard","aud":["x","y"]})"), kNow, id),
            JwtStatus::kWrongAudience);
  EXPECT_EQ(c->verify(sign(*c, R"({"sub":"a","iss":"switchboard","aud":["x","clients"]})"), kNow, id),
            JwtStatus::kOk);
  EXPECT_EQ(c->verify(sign(*c, R"({"iss":"switchboard","aud":"clients"})"), kNow, id), JwtStatus::kMalformed);
}

TEST(Jwt, RefreshTokensAreNotAccessTokens) {
  auto c = codec(hs256());
  std::string refresh = sign(*c, make_claims(hs256(), "a", "", {}, {}, kNow, 60, "refresh"));
  Identity id;
  EXPECT_EQ(c->verify(refresh, kNow, id), JwtStatus::kWrongTokenType);
  EXPECT_EQ(c->verify(refresh, kNow, id, TokenUse::kRefresh), JwtStatus::kOk);
  std::string access = sign(*c, make_claims(hs256(), "a", "", {}, {}, kNow, 60));
  EXPECT_EQ(c->verify(access, kNow, id, TokenUse::kRefresh), JwtStatus::kWrongTokenType);
}

TEST(Jwt, SignsAndVerifiesRs256AndEs256) {
  for (auto [alg, ec] : {std::pair{JwtAlgorithm::kRS256, false}, std::pair{JwtAlgorithm::kES256, true}}) {
    JwtSettings s;
    s.algorithm = alg;
    s.private_key_pem = generate_private_pem(ec);
    auto c = codec(s);
    std::string token = sign(*c, R"({"sub":"bob","roles":"admin"})");
    Identity id;
    ASSERT_EQ(c->verify(token, kNow, id), JwtStatus::kOk) << to_string(alg);
    EXPECT_EQ(id.roles(), std::vector<std::string>{"admin"});
    std::string tampered = token;
    tampered[tampered.size() - 3] = tampered[tampered.size() - 3] == 'A' ? 'B' : 'A';
    EXPECT_EQ(c->verify(tampered, kNow, id), JwtStatus::kBadSignature) << to_string(alg);
    // A different key of the same kind must not verify it.
    JwtSettings other = s;
    other.private_key_pem = generate_private_pem(ec);
    EXPECT_EQ(codec(other)->verify(token, kNow, id), JwtStatus::kBadSignature);
  }
}

TEST(Jwt, AnAsymmetricSignatureIsCheckedOncePerTokenAndKeySet) {
  for (auto [alg, ec] : {std::pair{JwtAlgorithm::kRS256, false}, std::pair{JwtAlgorithm::kES256, true}}) {
    JwtSettings s;
    s.algorithm = alg;
    s.private_key_pem = generate_private_pem(ec);
    auto c = codec(s);
    std::string token = sign(*c, make_claims(s, "bob", "Bob", {}, {}, kNow, 60));
    Identity id;
    ASSERT_EQ(c->verify(token, kNow, id), JwtStatus::kOk) << to_string(alg);
    EXPECT_EQ(c->cached_signatures(), 0u);
    ASSERT_EQ(c->verify(token, kNow + 1, id), JwtStatus::kOk);
    EXPECT_EQ(c->cached_signatures(), 1u);
    EXPECT_EQ(id.user_id, "bob");  // the claims are still read each time
    // The claims are still checked: a remembered token expires all the same.
    EXPECT_EQ(c->verify(token, kNow + 61 + s.leeway_seconds, id), JwtStatus::kExpired);
    // A tampered copy is another token: checked, and refused.
    std::string tampered = token;
    tampered[tampered.size() - 3] = tampered[tampered.size() - 3] == 'A' ? 'B' : 'A';
    EXPECT_EQ(c->verify(tampered, kNow, id), JwtStatus::kBadSignature);
    // New keys (a JWKS refresh) forget what the old ones verified.
    uint64_t hits = c->cached_signatures();
    c->set_jwks_keys({});
    ASSERT_EQ(c->verify(token, kNow, id), JwtStatus::kOk);
    EXPECT_EQ(c->cached_signatures(), hits);
    ASSERT_EQ(c->verify(token, kNow, id), JwtStatus::kOk);
    EXPECT_EQ(c->cached_signatures(), hits + 1);
  }
}

TEST(Jwt, Hs256SignaturesAreNotCached) {
  auto c = codec(hs256());
  std::string token = sign(*c, make_claims(hs256(), "a", "", {}, {}, kNow, 60));
  Identity id;
  ASSERT_EQ(c->verify(token, kNow, id), JwtStatus::kOk);
  ASSERT_EQ(c->verify(token, kNow, id), JwtStatus::kOk);
  EXPECT_EQ(c->cached_signatures(), 0u);
}

TEST(SignatureCache, WhenFullExpiredEntriesGoFirstThenEverything) {
  SignatureCache cache(2);
  auto a = SignatureCache::digest("a"), b = SignatureCache::digest("b"), c = SignatureCache::digest("c");
  cache.insert(a, 1, kNow + 10, kNow);
  cache.insert(b, 1, kNow + 100, kNow);
  cache.insert(c, 1, kNow + 100, kNow + 50);  // a has expired by then: it makes room
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_FALSE(cache.contains(a, 1, kNow + 50));
  EXPECT_TRUE(cache.contains(b, 1, kNow + 50));
  EXPECT_FALSE(cache.contains(b, 2, kNow + 50));  // another key set
  EXPECT_FALSE(cache.contains(c, 1, kNow + 101));  // expired
  cache.insert(a, 1, 0, kNow);  // no expiry: kept for a while
  EXPECT_TRUE(cache.contains(a, 1, kNow + SignatureCache::kTokenWithoutExpirySeconds));
  EXPECT_FALSE(cache.contains(a, 1, kNow + SignatureCache::kTokenWithoutExpirySeconds + 1));
}

TEST(Jwt, RefusesKeysThatDoNotFitTheAlgorithm) {
  JwtSettings s;
  s.algorithm = JwtAlgorithm::kES256;
  s.private_key_pem = generate_private_pem(false);  // an RSA key
  std::string error;
  EXPECT_EQ(JwtCodec::create(s, error), nullptr);
  EXPECT_FALSE(error.empty());
  JwtSettings empty;
  EXPECT_EQ(JwtCodec::create(empty, error), nullptr);
}

}  // namespace sb::auth

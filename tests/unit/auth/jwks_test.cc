#include "auth/jwks.h"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "auth/base64url.h"
#include "auth/jwt.h"

namespace sb::auth {

namespace {
constexpr int64_t kNow = 1'800'000'000;

struct KeyPair {
  EVP_PKEY* key = nullptr;
  std::string private_pem;
  std::string jwk;  // the public half as a JWK, with kid
};

std::string bignum_b64(EVP_PKEY* key, const char* name) {
  BIGNUM* value = nullptr;
  EVP_PKEY_get_bn_param(key, name, &value);
  std::string bytes(static_cast<size_t>(BN_num_bytes(value)), '\0');
  BN_bn2bin(value, reinterpret_cast<unsigned char*>(bytes.data()));
  BN_free(value);
  return base64url_encode(bytes);
}

// A fresh RSA (bits) or P-256 key and its JWK, made with OpenSSL for the test.
KeyPair make_key(bool ec, const std::string& kid, int rsa_bits = 2048, const std::string& extra = "") {
  KeyPair pair;
  pair.key = ec ? EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")
                : EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(rsa_bits));
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, pair.key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  pair.private_pem.assign(data, static_cast<size_t>(n));
  BIO_free(bio);
  if (ec) {
    unsigned char point[65];
    size_t length = 0;
    EVP_PKEY_get_octet_string_param(pair.key, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point, &length);
    std::string raw(reinterpret_cast<char*>(point), length);
    pair.jwk = R"({"kty":"EC","crv":"P-256","kid":")" + kid + R"(","x":")" + base64url_encode(raw.substr(1, 32)) +
               R"(","y":")" + base64url_encode(raw.substr(33, 32)) + "\"" + extra + "}";
  } else {
    pair.jwk = R"({"kty":"RSA","kid":")" + kid + R"(","n":")" + bignum_b64(pair.key, OSSL_PKEY_PARAM_RSA_N) +
               R"(","e":")" + bignum_b64(pair.key, OSSL_PKEY_PARAM_RSA_E) + "\"" + extra + "}";
  }
  EVP_PKEY_free(pair.key);
  pair.key = nullptr;
  return pair;
}

JwksKeys parse_ok(const std::string& document) {
  JwksKeys keys;
  std::string error;
  EXPECT_TRUE(parse_jwks(document, keys, error)) << error;
  return keys;
}

// A codec that signs like the identity provider: the private key, named by kid.
std::unique_ptr<JwtCodec> issuer(const KeyPair& pair, bool ec, const std::string& kid) {
  JwtSettings s;
  s.algorithm = ec ? JwtAlgorithm::kES256 : JwtAlgorithm::kRS256;
  s.private_key_pem = pair.private_pem;
  s.kid = kid;
  std::string error;
  auto codec = JwtCodec::create(s, error);
  EXPECT_TRUE(codec) << error;
  return codec;
}

// A gateway's codec with no configured key, only JWKS keys.
std::unique_ptr<JwtCodec> gateway(const std::string& document) {
  JwtSettings s;
  s.secret.clear();
  s.jwks.url = "http://127.0.0.1:1/jwks.json";  // never fetched here: the test installs keys
  std::string error;
  auto codec = JwtCodec::create(s, error);
  EXPECT_TRUE(codec) << error;
  codec->set_jwks_keys(parse_ok(document).keys);
  return codec;
}

std::string token_from(const JwtCodec& codec, const std::string& user = "ann") {
  std::string error;
  std::string token = codec.sign(make_claims(codec.settings(), user, "", {}, {}, kNow, 60), error);
  EXPECT_FALSE(token.empty()) << error;
  return token;
}

// A token with any header, signed by nobody (for the refusals).
std::string unsigned_token(const std::string& header, const std::string& signature = "") {
  return base64url_encode(header) + "." + base64url_encode(R"({"sub":"eve","exp":1800000060})") + "." +
         base64url_encode(signature);
}
}  // namespace

TEST(Jwks, ReadsRsaAndP256KeysWithTheirAlgorithms) {
  KeyPair rsa = make_key(false, "r1", 2048, R"(,"alg":"RS256","use":"sig")");
  KeyPair ec = make_key(true, "e1");
  JwksKeys keys = parse_ok(R"({"keys":[)" + rsa.jwk + "," + ec.jwk + "]}");
  ASSERT_EQ(keys.keys.size(), 2u);
  EXPECT_TRUE(keys.skipped.empty());
  EXPECT_EQ(keys.keys[0].kid, "r1");
  EXPECT_EQ(keys.keys[0].algorithm, JwtAlgorithm::kRS256);
  EXPECT_EQ(keys.keys[1].kid, "e1");
  EXPECT_EQ(keys.keys[1].algorithm, JwtAlgorithm::kES256);
}

TEST(Jwks, LeavesOutKeysItCannotUseAndSaysWhy) {
  KeyPair weak = make_key(false, "weak", 1024);
  KeyPair enc = make_key(false, "enc", 2048, R"(,"use":"enc")");
  KeyPair mislabelled = make_key(true, "mis", 0, R"(,"alg":"RS256")");
  KeyPair good = make_key(true, "good");
  JwksKeys keys = parse_ok(R"({"keys":[)" + weak.jwk + "," + enc.jwk + "," + mislabelled.jwk +
                           R"(,{"kty":"oct","kid":"hmac","k":"c2VjcmV0"},{"kty":"EC","crv":"P-384","x":"AA","y":"AA"},)" +
                           R"({"kty":"EC","crv":"P-256","kid":"short","x":"AAAA","y":"AAAA"},7,)" + good.jwk + "," +
                           good.jwk + "]}");
  ASSERT_EQ(keys.keys.size(), 1u);
  EXPECT_EQ(keys.keys[0].kid, "good");
  ASSERT_EQ(keys.skipped.size(), 8u);
  EXPECT_NE(keys.skipped[0].find("shorter than 2048"), std::string::npos) << keys.skipped[0];
  EXPECT_NE(keys.skipped[1].find("use is not sig"), std::string::npos) << keys.skipped[1];
  EXPECT_NE(keys.skipped[3].find("kty oct"), std::string::npos) << keys.skipped[3];
  EXPECT_NE(keys.skipped[7].find("twice"), std::string::npos) << keys.skipped[7];
}

TEST(Jwks, P256CoordinatesWithoutTheirLeadingZerosAreTheSameKey) {
  // One key in 256 has an x that starts with a zero byte; some providers drop it.
  KeyPair pair;
  std::string x;
  do {
    pair = make_key(true, "z1");
    size_t at = pair.jwk.find(R"("x":")") + 5;
    x = *base64url_decode(pair.jwk.substr(at, pair.jwk.find('"', at) - at));
  } while (x[0] != '\0');
  std::string full = base64url_encode(x);
  std::string trimmed = base64url_encode(x.substr(1));
  std::string jwk = pair.jwk;
  jwk.replace(jwk.find(full), full.size(), trimmed);
  auto gw = gateway(R"({"keys":[)" + jwk + "]}");
  EXPECT_EQ(gw->key_count(), 1u);
  Identity id;
  EXPECT_EQ(gw->verify(token_from(*issuer(pair, true, "z1")), kNow, id), JwtStatus::kOk);
}

TEST(Jwks, ADocumentThatIsNotAKeySetIsAnError) {
  JwksKeys keys;
  std::string error;
  EXPECT_FALSE(parse_jwks("<html>", keys, error));
  EXPECT_FALSE(parse_jwks(R"({"keys":{}})", keys, error));
  EXPECT_NE(error.find("keys"), std::string::npos);
  EXPECT_TRUE(parse_jwks(R"({"keys":[]})", keys, error));
}

TEST(Jwks, TheKidPicksTheKeyAndRotationReplacesTheSet) {
  KeyPair one = make_key(false, "k1");
  KeyPair two = make_key(true, "k2");
  auto gw = gateway(R"({"keys":[)" + one.jwk + "," + two.jwk + "]}");
  Identity id;
  EXPECT_EQ(gw->verify(token_from(*issuer(one, false, "k1")), kNow, id), JwtStatus::kOk);
  EXPECT_EQ(id.user_id, "ann");
  EXPECT_EQ(gw->verify(token_from(*issuer(two, true, "k2")), kNow, id), JwtStatus::kOk);
  // Key two's token under key one's kid: the kid picks key one, whose algorithm differs.
  EXPECT_EQ(gw->verify(token_from(*issuer(two, true, "k1")), kNow, id), JwtStatus::kWrongAlgorithm);
  // No kid: every key of the token's algorithm is tried.
  EXPECT_EQ(gw->verify(token_from(*issuer(one, false, "")), kNow, id), JwtStatus::kOk);

  int refreshes_asked = 0;
  gw->on_unknown_kid([&] { ++refreshes_asked; });
  KeyPair three = make_key(false, "k3");
  std::string token3 = token_from(*issuer(three, false, "k3"));
  EXPECT_EQ(gw->verify(token3, kNow, id), JwtStatus::kUnknownKey);
  EXPECT_EQ(refreshes_asked, 1);
  EXPECT_EQ(gw->unknown_kids(), 1u);

  gw->set_jwks_keys(parse_ok(R"({"keys":[)" + three.jwk + "]}").keys);  // k1 and k2 retired
  EXPECT_EQ(gw->verify(token3, kNow, id), JwtStatus::kOk);
  EXPECT_EQ(gw->verify(token_from(*issuer(one, false, "k1")), kNow, id), JwtStatus::kUnknownKey);
  EXPECT_EQ(gw->key_count(), 1u);
}

TEST(Jwks, TheTokenNeverChoosesTheAlgorithm) {
  KeyPair one = make_key(false, "k1");
  auto gw = gateway(R"({"keys":[)" + one.jwk + "]}");
  Identity id;
  EXPECT_EQ(gw->verify(unsigned_token(R"({"alg":"none","kid":"k1"})"), kNow, id), JwtStatus::kWrongAlgorithm);
  EXPECT_EQ(gw->verify(unsigned_token(R"({"alg":"none"})"), kNow, id), JwtStatus::kWrongAlgorithm);
  // The classic confusion: HS256 keyed with the RSA public key's bytes. The key named by
  // the kid accepts RS256 only, and no HMAC key exists.
  EXPECT_EQ(gw->verify(unsigned_token(R"({"alg":"HS256","kid":"k1"})", std::string(32, 'x')), kNow, id),
            JwtStatus::kWrongAlgorithm);
  EXPECT_EQ(gw->verify(unsigned_token(R"({"alg":"RS256","kid":7})"), kNow, id), JwtStatus::kMalformed);
  EXPECT_EQ(gw->verify(unsigned_token(R"({"alg":"RS256","kid":")" + std::string(300, 'k') + "\"}"), kNow, id),
            JwtStatus::kMalformed);
}

TEST(Jwks, ConfiguredSecretsWorkBesideTheKeySet) {
  KeyPair one = make_key(true, "k1");
  JwtSettings s;
  s.secret = "new-secret";
  s.previous_secrets = {"old-secret"};
  s.jwks.file = "/nonexistent/jwks.json";  // never read here
  std::string error;
  auto gw = JwtCodec::create(s, error);
  ASSERT_TRUE(gw) << error;
  gw->set_jwks_keys(parse_ok(R"({"keys":[)" + one.jwk + "]}").keys);
  EXPECT_EQ(gw->key_count(), 3u);

  JwtSettings old_settings;
  old_settings.secret = "old-secret";
  auto old_issuer = JwtCodec::create(old_settings, error);
  Identity id;
  EXPECT_EQ(gw->verify(token_from(*old_issuer), kNow, id), JwtStatus::kOk);  // still accepted
  std::string own = token_from(*gw);
  JwtSettings new_only;
  new_only.secret = "new-secret";
  EXPECT_EQ(JwtCodec::create(new_only, error)->verify(own, kNow, id), JwtStatus::kOk);  // the first signs
  EXPECT_EQ(old_issuer->verify(own, kNow, id), JwtStatus::kBadSignature);
  EXPECT_EQ(gw->verify(token_from(*issuer(one, true, "k1")), kNow, id), JwtStatus::kOk);
}

TEST(Jwks, AKidNamingNoConfiguredKeyIsUnknownWithoutAJwksSource) {
  JwtSettings named;
  named.secret = "shared";
  named.kid = "hs-2026";
  std::string error;
  auto gw = JwtCodec::create(named, error);
  ASSERT_TRUE(gw) << error;
  int refreshes_asked = 0;
  gw->on_unknown_kid([&] { ++refreshes_asked; });
  Identity id;
  EXPECT_EQ(gw->verify(token_from(*gw), kNow, id), JwtStatus::kOk);  // signed with kid hs-2026
  JwtSettings other = named;
  other.kid = "hs-2025";
  EXPECT_EQ(gw->verify(token_from(*JwtCodec::create(other, error)), kNow, id), JwtStatus::kUnknownKey);
  EXPECT_EQ(refreshes_asked, 0);  // no JWKS source to ask
  EXPECT_EQ(gw->unknown_kids(), 0u);
}

TEST(Jwks, ACodecNeedsSomeKeySource) {
  JwtSettings s;
  s.secret.clear();
  std::string error;
  EXPECT_FALSE(JwtCodec::create(s, error));
  EXPECT_NE(error.find("JWKS"), std::string::npos);
  s.algorithm = JwtAlgorithm::kRS256;
  EXPECT_FALSE(JwtCodec::create(s, error));
  s.jwks.url = "https://idp.example/jwks.json";
  auto codec = JwtCodec::create(s, error);
  ASSERT_TRUE(codec) << error;
  EXPECT_FALSE(codec->can_sign());
  EXPECT_TRUE(codec->sign("{}", error).empty());
}

}  // namespace sb::auth

#include "auth/jwks.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <simdjson.h>

#include <optional>

#include "auth/base64url.h"

namespace sb::auth {

namespace {

constexpr int kMinRsaBits = 2048;

// Builds a public key of the given OpenSSL type from parameters; nullptr when OpenSSL
// refuses them (a point not on the curve, for one).
EVP_PKEY* key_from_params(const char* type, OSSL_PARAM* params) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
  EVP_PKEY* key = nullptr;
  if (ctx != nullptr && EVP_PKEY_fromdata_init(ctx) == 1) {
    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params);
  }
  EVP_PKEY_CTX_free(ctx);
  return key;
}

EVP_PKEY* rsa_key(const std::string& n, const std::string& e) {
  BIGNUM* modulus = BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()), static_cast<int>(n.size()), nullptr);
  BIGNUM* exponent = BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()), static_cast<int>(e.size()), nullptr);
  OSSL_PARAM_BLD* builder = OSSL_PARAM_BLD_new();
  OSSL_PARAM* params = nullptr;
  if (modulus != nullptr && exponent != nullptr && builder != nullptr &&
      OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_N, modulus) == 1 &&
      OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_E, exponent) == 1) {
    params = OSSL_PARAM_BLD_to_param(builder);
  }
  EVP_PKEY* key = params != nullptr ? key_from_params("RSA", params) : nullptr;
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(builder);
  BN_free(modulus);
  BN_free(exponent);
  return key;
}

EVP_PKEY* p256_key(const std::string& x, const std::string& y) {
  // The uncompressed point: 0x04 || x || y.
  std::string point(1, '\x04');
  point += x;
  point += y;
  char group[] = "prime256v1";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()),
      OSSL_PARAM_construct_end(),
  };
  return key_from_params("EC", params);
}

std::optional<std::string> member_bytes(simdjson::dom::object object, const char* name) {
  std::string_view text;
  if (object[name].get_string().get(text) != simdjson::SUCCESS) return std::nullopt;
  return base64url_decode(text);
}

// One JWK to a key; an empty result and reason set when it is left out.
std::optional<JwtKey> read_key(simdjson::dom::object jwk, std::string& reason) {
  std::string_view kty, alg, use, crv;
  if (jwk["kty"].get_string().get(kty) != simdjson::SUCCESS) {
    reason = "no kty";
    return std::nullopt;
  }
  if (jwk["use"].get_string().get(use) == simdjson::SUCCESS && use != "sig") {
    reason = "use is not sig";
    return std::nullopt;
  }
  bool has_alg = jwk["alg"].get_string().get(alg) == simdjson::SUCCESS;
  JwtKey key;
  key.from_jwks = true;
  std::string_view kid;
  if (jwk["kid"].get_string().get(kid) == simdjson::SUCCESS) key.kid = kid;
  if (kty == "RSA") {
    if (has_alg && alg != "RS256") {
      reason = "alg " + std::string(alg) + " is not supported";
      return std::nullopt;
    }
    auto n = member_bytes(jwk, "n");
    auto e = member_bytes(jwk, "e");
    if (!n || !e || n->empty() || e->empty()) {
      reason = "RSA key without n and e";
      return std::nullopt;
    }
    key.algorithm = JwtAlgorithm::kRS256;
    key.public_key = share_key(rsa_key(*n, *e));
    if (key.public_key && EVP_PKEY_get_bits(key.public_key.get()) < kMinRsaBits) {
      reason = "RSA key shorter than 2048 bits";
      return std::nullopt;
    }
  } else if (kty == "EC") {
    if (jwk["crv"].get_string().get(crv) != simdjson::SUCCESS || crv != "P-256" || (has_alg && alg != "ES256")) {
      reason = "only P-256 (ES256) EC keys are supported";
      return std::nullopt;
    }
    auto x = member_bytes(jwk, "x");
    auto y = member_bytes(jwk, "y");
    if (!x || !y || x->empty() || y->empty() || x->size() > 32 || y->size() > 32) {
      reason = "P-256 key without x and y of at most 32 bytes";
      return std::nullopt;
    }
    // RFC 7518 asks for the full 32 bytes, but some libraries drop leading zero bytes
    // (PyJWT 2.6, Debian's, does): the number is the same, so pad it back.
    x->insert(0, 32 - x->size(), '\0');
    y->insert(0, 32 - y->size(), '\0');
    key.algorithm = JwtAlgorithm::kES256;
    key.public_key = share_key(p256_key(*x, *y));
  } else {
    reason = "kty " + std::string(kty) + " is not supported";
    return std::nullopt;
  }
  if (!key.public_key) {
    reason = "OpenSSL refused the key";
    return std::nullopt;
  }
  return key;
}

}  // namespace

bool parse_jwks(std::string_view json, JwksKeys& out, std::string& error) {
  simdjson::dom::parser parser;
  simdjson::dom::object root;
  if (parser.parse(json.data(), json.size()).get_object().get(root) != simdjson::SUCCESS) {
    error = "not a JSON object";
    return false;
  }
  simdjson::dom::array keys;
  if (root["keys"].get_array().get(keys) != simdjson::SUCCESS) {
    error = "no \"keys\" array";
    return false;
  }
  out = JwksKeys{};
  size_t index = 0;
  for (auto element : keys) {
    std::string name = "key " + std::to_string(index++);
    simdjson::dom::object jwk;
    std::string reason;
    if (element.get_object().get(jwk) != simdjson::SUCCESS) {
      out.skipped.push_back(name + ": not an object");
      continue;
    }
    std::string_view kid;
    if (jwk["kid"].get_string().get(kid) == simdjson::SUCCESS) name = "kid " + std::string(kid);
    auto key = read_key(jwk, reason);
    if (!key) {
      out.skipped.push_back(name + ": " + reason);
      continue;
    }
    bool duplicate = false;
    for (const auto& other : out.keys) duplicate = duplicate || (!key->kid.empty() && other.kid == key->kid);
    if (duplicate) {
      out.skipped.push_back(name + ": the kid appears twice (the first is used)");
      continue;
    }
    if (out.keys.size() == kMaxJwksKeys) {
      out.skipped.push_back(name + ": more than " + std::to_string(kMaxJwksKeys) + " keys");
      continue;
    }
    out.keys.push_back(std::move(*key));
  }
  return true;
}

}  // namespace sb::auth

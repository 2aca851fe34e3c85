#include "auth/jwt.h"

#include <openssl/bio.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/crypto.h>
#include <simdjson.h>

#include "auth/base64url.h"
#include "json/json_writer.h"

namespace sb::auth {

std::shared_ptr<EVP_PKEY> share_key(EVP_PKEY* key) {
  return std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free);
}

struct JwtCodec::KeySet {
  std::vector<JwtKey> keys;
  uint64_t generation = 0;  // a verification cached under another set does not count
};

namespace {

EVP_PKEY* read_public_key(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  if (key == nullptr) {
    // Also accept a certificate-less private key file: derive the public half.
    BIO_free(bio);
    bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  }
  BIO_free(bio);
  return key;
}

EVP_PKEY* read_private_key(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return key;
}

// JWS ES256 signatures are r||s (32 bytes each); OpenSSL speaks DER.
std::string es256_raw_to_der(std::string_view raw) {
  if (raw.size() != 64) return {};
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), 32, nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + 32, 32, nullptr);
  ECDSA_SIG_set0(sig, r, s);
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(sig, &der);
  std::string out;
  if (len > 0) out.assign(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  ECDSA_SIG_free(sig);
  return out;
}

std::string es256_der_to_raw(const unsigned char* der, size_t length) {
  const unsigned char* p = der;
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(length));
  if (sig == nullptr) return {};
  std::string out(64, '\0');
  BN_bn2binpad(ECDSA_SIG_get0_r(sig), reinterpret_cast<unsigned char*>(out.data()), 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig), reinterpret_cast<unsigned char*>(out.data()) + 32, 32);
  ECDSA_SIG_free(sig);
  return out;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &mac_length);
  return std::string(reinterpret_cast<char*>(mac), mac_length);
}

void read_string_list(simdjson::dom::element value, std::vector<std::string>& out) {
  if (value.is_string()) {
    out.emplace_back(std::string_view(value.get_string().value_unsafe()));
    return;
  }
  simdjson::dom::array array;
  if (value.get_array().get(array) != simdjson::SUCCESS) return;
  for (auto item : array) {
    std::string_view text;
    if (item.get_string().get(text) == simdjson::SUCCESS) out.emplace_back(text);
  }
}

// The largest NumericDate accepted (9999-12-31T23:59:59Z): anything later is a mistake
// or an attempt to overflow the arithmetic below.
constexpr int64_t kMaxNumericDate = 253402300799;

enum class TimeClaim { kAbsent, kOk, kInvalid };

// Reads a NumericDate claim (RFC 7519 section 2): a JSON number of seconds, 0 to year 9999.
// A claim that is present but not such a number is invalid, never treated as absent.
TimeClaim read_time(simdjson::dom::object claims, const char* name, int64_t& out) {
  simdjson::dom::element value;
  if (claims[name].get(value) != simdjson::SUCCESS) return TimeClaim::kAbsent;
  int64_t i;
  if (value.get_int64().get(i) == simdjson::SUCCESS) {
    if (i < 0 || i > kMaxNumericDate) return TimeClaim::kInvalid;
    out = i;
    return TimeClaim::kOk;
  }
  double d;
  if (value.is_number() && value.get_double().get(d) == simdjson::SUCCESS) {
    if (!(d >= 0.0 && d <= static_cast<double>(kMaxNumericDate))) return TimeClaim::kInvalid;
    out = static_cast<int64_t>(d);
    return TimeClaim::kOk;
  }
  return TimeClaim::kInvalid;
}

}  // namespace

std::string_view to_string(JwtStatus status) {
  switch (status) {
    case JwtStatus::kOk: return "ok";
    case JwtStatus::kMalformed: return "Malformed token";
    case JwtStatus::kWrongAlgorithm: return "Token algorithm not accepted";
    case JwtStatus::kBadSignature: return "Invalid token signature";
    case JwtStatus::kExpired: return "Token expired";
    case JwtStatus::kNotYetValid: return "Token not yet valid";
    case JwtStatus::kWrongIssuer: return "Token issuer not accepted";
    case JwtStatus::kWrongAudience: return "Token audience not accepted";
    case JwtStatus::kWrongTokenType: return "Wrong kind of token";
    case JwtStatus::kInvalidTimeClaim: return "Token exp, nbf and iat must be numbers of seconds (0 to year 9999)";
    case JwtStatus::kUnknownKey: return "Token signing key (kid) not known";
  }
  return "Invalid token";
}

std::string_view to_string(JwtAlgorithm algorithm) {
  switch (algorithm) {
    case JwtAlgorithm::kHS256: return "HS256";
    case JwtAlgorithm::kRS256: return "RS256";
    case JwtAlgorithm::kES256: return "ES256";
  }
  return "HS256";
}

bool parse_algorithm(std::string_view text, JwtAlgorithm& out) {
  if (text == "HS256") out = JwtAlgorithm::kHS256;
  else if (text == "RS256") out = JwtAlgorithm::kRS256;
  else if (text == "ES256") out = JwtAlgorithm::kES256;
  else return false;
  return true;
}

std::unique_ptr<JwtCodec> JwtCodec::create(const JwtSettings& settings, std::string& error) {
  std::unique_ptr<JwtCodec> codec(new JwtCodec(settings));
  if (settings.algorithm == JwtAlgorithm::kHS256) {
    if (!settings.secret.empty()) {
      codec->configured_keys_.push_back(JwtKey{settings.kid, JwtAlgorithm::kHS256, settings.secret, nullptr, false});
    }
    for (const auto& secret : settings.previous_secrets) {
      if (!secret.empty()) codec->configured_keys_.push_back(JwtKey{settings.kid, JwtAlgorithm::kHS256, secret, nullptr, false});
    }
    if (codec->configured_keys_.empty() && !settings.jwks.configured()) {
      error = "HS256 needs a secret (jwt.secret or JWT_SECRET), or a JWKS source (jwt.jwks_url or jwt.jwks_file)";
      return nullptr;
    }
  } else {
    int wanted = settings.algorithm == JwtAlgorithm::kRS256 ? EVP_PKEY_RSA : EVP_PKEY_EC;
    std::shared_ptr<EVP_PKEY> public_key;
    if (!settings.public_key_pem.empty()) public_key = share_key(read_public_key(settings.public_key_pem));
    if (!settings.private_key_pem.empty()) {
      codec->private_key_ = read_private_key(settings.private_key_pem);
      if (codec->private_key_ == nullptr) {
        error = "cannot read the JWT private key PEM";
        return nullptr;
      }
      if (!public_key) {
        EVP_PKEY_up_ref(codec->private_key_);
        public_key = share_key(codec->private_key_);
      }
    }
    if (public_key) {
      if (EVP_PKEY_base_id(public_key.get()) != wanted) {
        error = std::string("the JWT key does not fit ") + std::string(to_string(settings.algorithm));
        return nullptr;
      }
      codec->configured_keys_.push_back(JwtKey{settings.kid, settings.algorithm, {}, std::move(public_key), false});
    } else if (!settings.jwks.configured()) {
      error = std::string(to_string(settings.algorithm)) +
              " needs a public key PEM (jwt.public_key_file) or a JWKS source (jwt.jwks_url or jwt.jwks_file)";
      return nullptr;
    }
  }
  codec->set_jwks_keys({});
  return codec;
}

JwtCodec::JwtCodec(JwtSettings settings) : settings_(std::move(settings)) {}
JwtCodec::~JwtCodec() { EVP_PKEY_free(private_key_); }

bool JwtCodec::can_sign() const {
  return settings_.algorithm == JwtAlgorithm::kHS256 ? !settings_.secret.empty() : private_key_ != nullptr;
}

void JwtCodec::set_jwks_keys(std::vector<JwtKey> keys) {
  auto set = std::make_shared<KeySet>();
  set->keys = configured_keys_;
  for (auto& key : keys) set->keys.push_back(std::move(key));
  set->generation = ++key_generation_;
  keys_.store(std::move(set));
}

size_t JwtCodec::key_count() const { return keys_.load()->keys.size(); }

bool JwtCodec::check_signature(const JwtKey& key, std::string_view signing_input, std::string_view signature) {
  if (key.algorithm == JwtAlgorithm::kHS256) {
    std::string expected = hmac_sha256(key.secret, signing_input);
    return expected.size() == signature.size() &&
           CRYPTO_memcmp(expected.data(), signature.data(), expected.size()) == 0;
  }
  std::string der;
  std::string_view sig = signature;
  if (key.algorithm == JwtAlgorithm::kES256) {
    der = es256_raw_to_der(signature);
    if (der.empty()) return false;
    sig = der;
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key.public_key.get()) == 1 &&
            EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                             reinterpret_cast<const unsigned char*>(signing_input.data()),
                             signing_input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

JwtStatus JwtCodec::check_with_keys(const KeySet& set, std::string_view alg, std::string_view kid,
                                    std::string_view signing_input, std::string_view signature) const {
  // A token with a kid tries the key of that kid and the configured keys (which may carry
  // no kid); one without tries every key. The key's algorithm must be the token's.
  bool kid_named = false;  // some key has exactly the token's kid
  bool key_tried = false;  // some key passed the kid filter
  bool algorithm_fits = false;
  for (const JwtKey& key : set.keys) {
    if (!kid.empty() && !key.kid.empty() && key.kid != kid) continue;
    key_tried = true;
    kid_named = kid_named || key.kid == kid;
    if (to_string(key.algorithm) != alg) continue;
    algorithm_fits = true;
    if (check_signature(key, signing_input, signature)) return JwtStatus::kOk;
  }
  // A kid that names no key: with a JWKS source it may be a key published since the last
  // read, so the source is asked to look again.
  if (!kid.empty() && !kid_named && settings_.jwks.configured()) {
    unknown_kids_.fetch_add(1, std::memory_order_relaxed);
    if (unknown_kid_hook_) unknown_kid_hook_();
    return JwtStatus::kUnknownKey;
  }
  if (!key_tried) return JwtStatus::kUnknownKey;
  return algorithm_fits ? JwtStatus::kBadSignature : JwtStatus::kWrongAlgorithm;
}

JwtStatus JwtCodec::verify(std::string_view token, int64_t now_seconds, Identity& identity, TokenUse use) const {
  size_t dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return JwtStatus::kMalformed;
  size_t dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return JwtStatus::kMalformed;
  }
  auto header = base64url_decode(token.substr(0, dot1));
  auto payload = base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1));
  auto signature = base64url_decode(token.substr(dot2 + 1));
  if (!header || !payload || !signature) return JwtStatus::kMalformed;

  thread_local simdjson::dom::parser parser;
  simdjson::dom::element header_doc;
  if (parser.parse(*header).get(header_doc) != simdjson::SUCCESS) return JwtStatus::kMalformed;
  std::string_view alg, kid;
  if (header_doc["alg"].get_string().get(alg) != simdjson::SUCCESS) return JwtStatus::kMalformed;
  simdjson::dom::element kid_value;
  if (header_doc["kid"].get(kid_value) == simdjson::SUCCESS &&
      (kid_value.get_string().get(kid) != simdjson::SUCCESS || kid.size() > 256)) {
    return JwtStatus::kMalformed;
  }
  // Asymmetric signatures are dear: one found valid before under the same keys is not
  // checked again (HMAC costs less than the digest that would look it up).
  std::shared_ptr<const KeySet> set = keys_.load();
  bool asymmetric = alg == "RS256" || alg == "ES256";
  SignatureCache::Digest digest{};
  bool cached = false;
  if (asymmetric) {
    digest = SignatureCache::digest(token);
    cached = signature_cache_.contains(digest, set->generation, now_seconds);
  }
  if (!cached) {
    JwtStatus checked = check_with_keys(*set, alg, kid, token.substr(0, dot2), *signature);
    if (checked != JwtStatus::kOk) return checked;
  }

  simdjson::dom::object claims;
  if (parser.parse(*payload).get_object().get(claims) != simdjson::SUCCESS) return JwtStatus::kMalformed;
  int64_t exp = 0, nbf = 0, iat = 0;
  TimeClaim has_exp = read_time(claims, "exp", exp);
  TimeClaim has_nbf = read_time(claims, "nbf", nbf);
  if (has_exp == TimeClaim::kInvalid || has_nbf == TimeClaim::kInvalid ||
      read_time(claims, "iat", iat) == TimeClaim::kInvalid) {
    return JwtStatus::kInvalidTimeClaim;
  }
  // One leeway for verification and for the expiry timer (Identity::valid_until).
  int64_t valid_until = has_exp == TimeClaim::kOk ? exp + settings_.leeway_seconds : 0;
  if (has_exp == TimeClaim::kOk && now_seconds > valid_until) return JwtStatus::kExpired;
  if (asymmetric && !cached) signature_cache_.insert(digest, set->generation, valid_until, now_seconds);
  if (has_nbf == TimeClaim::kOk && now_seconds + settings_.leeway_seconds < nbf) return JwtStatus::kNotYetValid;
  if (!settings_.issuer.empty()) {
    std::string_view iss;
    if (claims["iss"].get_string().get(iss) != simdjson::SUCCESS || iss != settings_.issuer) {
      return JwtStatus::kWrongIssuer;
    }
  }
  if (!settings_.audience.empty()) {
    std::vector<std::string> audiences;
    simdjson::dom::element aud;
    if (claims["aud"].get(aud) == simdjson::SUCCESS) read_string_list(aud, audiences);
    bool found = false;
    for (const auto& a : audiences) found = found || a == settings_.audience;
    if (!found) return JwtStatus::kWrongAudience;
  }

  std::string_view token_type;
  bool is_refresh = claims["typ"].get_string().get(token_type) == simdjson::SUCCESS && token_type == "refresh";
  if (is_refresh != (use == TokenUse::kRefresh)) return JwtStatus::kWrongTokenType;

  identity = Identity{};
  identity.anonymous = false;
  identity.valid_until = valid_until;
  std::string_view text;
  simdjson::dom::element value;
  if (claims["sub"].get_string().get(text) == simdjson::SUCCESS) {
    identity.user_id = text;
  } else if (claims["sub"].get(value) == simdjson::SUCCESS && value.is_number()) {
    identity.user_id = simdjson::minify(value);
  } else if (claims["userId"].get_string().get(text) == simdjson::SUCCESS) {
    identity.user_id = text;
  }
  if (identity.user_id.empty()) return JwtStatus::kMalformed;  // a token must name its user
  if (claims["name"].get_string().get(text) == simdjson::SUCCESS) identity.name = text;
  if (claims["avatar"].get_string().get(text) == simdjson::SUCCESS) identity.rare().avatar = text;
  else if (claims["picture"].get_string().get(text) == simdjson::SUCCESS) identity.rare().avatar = text;
  if (!settings_.tenant_claim.empty()) {
    if (claims[settings_.tenant_claim].get_string().get(text) == simdjson::SUCCESS) identity.rare().tenant = text;
  } else if (claims["tenant"].get_string().get(text) == simdjson::SUCCESS) {
    identity.rare().tenant = text;
  } else if (claims["company"].get_string().get(text) == simdjson::SUCCESS) {
    identity.rare().tenant = text;
  } else if (claims["companyId"].get_string().get(text) == simdjson::SUCCESS) {
    identity.rare().tenant = text;
  }
  if (claims["sid"].get_string().get(text) == simdjson::SUCCESS) identity.rare().session_id = text;
  std::vector<std::string> roles, permissions;
  if (claims["roles"].get(value) == simdjson::SUCCESS) read_string_list(value, roles);
  else if (claims["role"].get(value) == simdjson::SUCCESS) read_string_list(value, roles);
  if (claims["teams"].get(value) == simdjson::SUCCESS) read_string_list(value, identity.rare().teams);
  else if (claims["team"].get(value) == simdjson::SUCCESS) read_string_list(value, identity.rare().teams);
  if (claims["permissions"].get(value) == simdjson::SUCCESS) {
    read_string_list(value, permissions);
  } else if (claims["scope"].get_string().get(text) == simdjson::SUCCESS) {
    size_t start = 0;
    while (start < text.size()) {
      size_t space = text.find(' ', start);
      if (space == std::string_view::npos) space = text.size();
      if (space > start) permissions.emplace_back(text.substr(start, space - start));
      start = space + 1;
    }
  }
  identity.set_grants(std::move(roles), std::move(permissions));
  return JwtStatus::kOk;
}

std::string JwtCodec::sign(std::string_view claims_json, std::string& error) const {
  std::string header;
  json::ObjectWriter h(header);
  h.string("alg", to_string(settings_.algorithm));
  h.string("typ", "JWT");
  if (!settings_.kid.empty()) h.string("kid", settings_.kid);
  h.end();
  std::string input = base64url_encode(header) + "." + base64url_encode(claims_json);
  std::string signature;
  if (!can_sign()) {
    error = settings_.algorithm == JwtAlgorithm::kHS256
                ? "no secret configured (jwt.secret) to sign tokens"
                : "no private key configured (jwt.private_key_file) to sign tokens";
    return {};
  }
  if (settings_.algorithm == JwtAlgorithm::kHS256) {
    signature = hmac_sha256(settings_.secret, input);
  } else {
    if (private_key_ == nullptr) {
      error = "no private key configured (jwt.private_key_file) to sign tokens";
      return {};
    }
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    size_t length = 0;
    bool ok = EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, private_key_) == 1 &&
              EVP_DigestSign(ctx, nullptr, &length, reinterpret_cast<const unsigned char*>(input.data()),
                             input.size()) == 1;
    std::string der(length, '\0');
    ok = ok && EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(der.data()), &length,
                              reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
    EVP_MD_CTX_free(ctx);
    if (!ok) {
      error = "signing failed";
      return {};
    }
    der.resize(length);
    signature = settings_.algorithm == JwtAlgorithm::kES256
                    ? es256_der_to_raw(reinterpret_cast<const unsigned char*>(der.data()), der.size())
                    : der;
  }
  return input + "." + base64url_encode(signature);
}

std::string make_claims(const JwtSettings& settings, std::string_view user_id, std::string_view name,
                        const std::vector<std::string>& roles,
                        const std::vector<std::string>& permissions, int64_t now_seconds,
                        int64_t ttl_seconds, std::string_view extra_type, const std::vector<std::string>& teams) {
  std::string out;
  json::ObjectWriter w(out);
  w.string("sub", user_id);
  if (!name.empty()) w.string("name", name);
  w.raw("roles", json::string_array(roles));
  w.raw("permissions", json::string_array(permissions));
  if (!teams.empty()) w.raw("teams", json::string_array(teams));
  if (!settings.issuer.empty()) w.string("iss", settings.issuer);
  if (!settings.audience.empty()) w.string("aud", settings.audience);
  if (!extra_type.empty()) w.string("typ", extra_type);
  w.number("iat", now_seconds);
  w.number("exp", now_seconds + ttl_seconds);
  w.end();
  return out;
}

}  // namespace sb::auth

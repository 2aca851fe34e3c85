#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "auth/identity.h"
#include "auth/signature_cache.h"
#include "auth/jwt_key.h"

namespace sb::auth {

// Where verification keys are published by an identity provider (one of file or url).
struct JwksSettings {
  std::string file;                   // a JWKS document on disk
  std::string url;                    // or fetched with GET (http or https)
  int64_t refresh_seconds = 300;      // read again this often
  int64_t min_refresh_seconds = 10;   // at most this often on unknown kids and after failures
  uint32_t timeout_ms = 5000;
  bool configured() const { return !file.empty() || !url.empty(); }
};

struct JwtSettings {
  JwtAlgorithm algorithm = JwtAlgorithm::kHS256;  // of the configured key below, and of signing
  std::string secret;           // HS256: signs, and verifies
  std::vector<std::string> previous_secrets;  // HS256: still verify (rotation), never sign
  std::string kid;              // the configured key's id, written into signed tokens
  std::string public_key_pem;   // RS256/ES256 verification
  std::string private_key_pem;  // RS256/ES256 signing (token CLI, login); optional
  std::string issuer;           // checked when non-empty, set when signing
  std::string audience;         // checked when non-empty, set when signing
  int64_t leeway_seconds = 30;
  // The claim naming the caller's tenant (company): when empty, the first of "tenant",
  // "company" and "companyId" that the token has.
  std::string tenant_claim;
  JwksSettings jwks;            // keys from a JWKS document, beside the configured ones
};

enum class JwtStatus {
  kOk,
  kMalformed,
  kWrongAlgorithm,
  kBadSignature,
  kExpired,
  kNotYetValid,
  kWrongIssuer,
  kWrongAudience,
  kWrongTokenType,
  kInvalidTimeClaim,  // exp, nbf or iat present but not a number in range
  kUnknownKey,        // the token's kid names no key we have (a JWKS refresh is asked for)
};

// Access tokens open connections and call APIs; refresh tokens only buy new access tokens.
enum class TokenUse { kAccess, kRefresh };

// Human-readable reason for a status ("Token expired").
std::string_view to_string(JwtStatus status);
std::string_view to_string(JwtAlgorithm algorithm);
// Parses "HS256"/"RS256"/"ES256"; false for anything else.
bool parse_algorithm(std::string_view text, JwtAlgorithm& out);

// Verifies and signs JWS compact tokens. Keys come from configuration (an HS256 secret and
// its predecessors, or an RS256/ES256 public key) and from a JWKS document; each key
// accepts exactly one algorithm, never the token's choice (no "none", no HS/RS confusion).
// A token's "kid" picks the keys to try. verify() is thread-safe, also while the JWKS keys
// are replaced.
class JwtCodec {
 public:
  // Loads the configured keys; returns nullptr and sets error when a key is unreadable or
  // there is no key at all (and no JWKS source to bring one).
  static std::unique_ptr<JwtCodec> create(const JwtSettings& settings, std::string& error);
  ~JwtCodec();

  // Checks signature, exp, nbf, iss and aud against now_seconds (exp and nbf with the
  // configured leeway; exp, nbf and iat must be numbers in range when present); fills
  // identity from claims, with valid_until = exp + leeway. An RS256/ES256 signature found
  // valid is remembered until the token expires (SignatureCache), while the keys stay.
  // A token whose "typ" claim is "refresh" is accepted only for TokenUse::kRefresh.
  JwtStatus verify(std::string_view token, int64_t now_seconds, Identity& identity,
                   TokenUse use = TokenUse::kAccess) const;
  // Signs a claims object (JSON text) with the configured key (the first secret for HS256),
  // naming settings.kid. Empty result (and error set) when no signing key.
  std::string sign(std::string_view claims_json, std::string& error) const;
  bool can_sign() const;
  const JwtSettings& settings() const { return settings_; }

  // Replaces the keys read from the JWKS document (any thread); the configured keys stay.
  void set_jwks_keys(std::vector<JwtKey> keys);
  // How many keys verify tokens now.
  size_t key_count() const;
  // Called on the verifying thread when a token names a kid that no key has, while a JWKS
  // source is configured; it must only ask for a refresh, never block. Set it before any
  // verify() runs.
  void on_unknown_kid(std::function<void()> hook) { unknown_kid_hook_ = std::move(hook); }
  // Tokens refused since start because their kid was unknown.
  uint64_t unknown_kids() const { return unknown_kids_.load(std::memory_order_relaxed); }
  // RS256/ES256 signature checks skipped since start because the token was verified before.
  uint64_t cached_signatures() const { return signature_cache_.hits(); }

 private:
  struct KeySet;
  explicit JwtCodec(JwtSettings settings);
  // The signature check of one key; input is "header.payload".
  static bool check_signature(const JwtKey& key, std::string_view signing_input, std::string_view signature);
  // Picks the keys that may verify a token of this alg and kid and tries each.
  JwtStatus check_with_keys(const KeySet& set, std::string_view alg, std::string_view kid,
                            std::string_view signing_input, std::string_view signature) const;

  JwtSettings settings_;
  EVP_PKEY* private_key_ = nullptr;        // RS256/ES256 signing, when configured
  std::vector<JwtKey> configured_keys_;    // from settings, fixed
  std::atomic<std::shared_ptr<const KeySet>> keys_;  // configured + JWKS, replaced whole
  std::function<void()> unknown_kid_hook_;
  mutable std::atomic<uint64_t> unknown_kids_{0};
  std::atomic<uint64_t> key_generation_{0};  // numbers the key sets, for the cache
  mutable SignatureCache signature_cache_;
};

// Builds the claims JSON for a token: sub, name, roles, permissions, iat, exp (now+ttl),
// plus iss/aud from settings when set. Used by `switchboard token` and the login endpoint.
std::string make_claims(const JwtSettings& settings, std::string_view user_id, std::string_view name,
                        const std::vector<std::string>& roles,
                        const std::vector<std::string>& permissions, int64_t now_seconds,
                        int64_t ttl_seconds, std::string_view extra_type = {},
                        const std::vector<std::string>& teams = {});

}  // namespace sb::auth

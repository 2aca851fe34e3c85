#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "auth/identity.h"

namespace sb::auth {

enum class JwtAlgorithm { kHS256, kRS256, kES256 };

struct JwtSettings {
  JwtAlgorithm algorithm = JwtAlgorithm::kHS256;
  std::string secret;           // HS256
  std::string public_key_pem;   // RS256/ES256 verification
  std::string private_key_pem;  // RS256/ES256 signing (token CLI, login); optional
  std::string issuer;           // checked when non-empty, set when signing
  std::string audience;         // checked when non-empty, set when signing
  int64_t leeway_seconds = 30;
  // The claim naming the caller's tenant (company): when empty, the first of "tenant",
  // "company" and "companyId" that the token has.
  std::string tenant_claim;
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
};

// Access tokens open connections and call APIs; refresh tokens only buy new access tokens.
enum class TokenUse { kAccess, kRefresh };

// Human-readable reason for a status ("Token expired").
std::string_view to_string(JwtStatus status);
std::string_view to_string(JwtAlgorithm algorithm);
// Parses "HS256"/"RS256"/"ES256"; false for anything else.
bool parse_algorithm(std::string_view text, JwtAlgorithm& out);

// Verifies and signs JWS compact tokens with one configured key. The algorithm is fixed by
// configuration, never taken from the token (no "none", no algorithm confusion).
// verify() is const and thread-safe.
class JwtCodec {
 public:
  // Loads keys; returns nullptr and sets error when a key is missing or unreadable.
  static std::unique_ptr<JwtCodec> create(const JwtSettings& settings, std::string& error);
  ~JwtCodec();

  // Checks signature, exp, nbf, iss and aud against now_seconds (exp and nbf with the
  // configured leeway; exp, nbf and iat must be numbers in range when present); fills
  // identity from claims, with valid_until = exp + leeway.
  // A token whose "typ" claim is "refresh" is accepted only for TokenUse::kRefresh.
  JwtStatus verify(std::string_view token, int64_t now_seconds, Identity& identity,
                   TokenUse use = TokenUse::kAccess) const;
  // Signs a claims object (JSON text). Empty result (and error set) when no signing key.
  std::string sign(std::string_view claims_json, std::string& error) const;
  bool can_sign() const;
  const JwtSettings& settings() const { return settings_; }

 private:
  explicit JwtCodec(JwtSettings settings);
  bool check_signature(std::string_view signing_input, std::string_view signature) const;

  JwtSettings settings_;
  struct Keys;
  std::unique_ptr<Keys> keys_;
};

// Builds the claims JSON for a token: sub, name, roles, permissions, iat, exp (now+ttl),
// plus iss/aud from settings when set. Used by `switchboard token` and the login endpoint.
std::string make_claims(const JwtSettings& settings, std::string_view user_id, std::string_view name,
                        const std::vector<std::string>& roles,
                        const std::vector<std::string>& permissions, int64_t now_seconds,
                        int64_t ttl_seconds, std::string_view extra_type = {},
                        const std::vector<std::string>& teams = {});

}  // namespace sb::auth

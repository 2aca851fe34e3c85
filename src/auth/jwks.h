#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "auth/jwt_key.h"

namespace sb::auth {

// The keys a JWKS document (RFC 7517) yields for token verification.
struct JwksKeys {
  std::vector<JwtKey> keys;
  std::vector<std::string> skipped;  // one reason per key left out ("kid k3: kty oct not supported")
};

// The most keys taken from one document: a token without a kid may try each of them.
constexpr size_t kMaxJwksKeys = 32;

// Reads {"keys":[...]}: RSA keys (n, e; 2048 bits or more) become RS256 keys and EC P-256
// keys (x, y) ES256 keys. A key's "alg", when present, must agree with its type; keys whose
// "use" is not "sig", of other types or curves, or malformed are skipped with a reason.
// False (and error set) when the text is not a JWKS document at all.
bool parse_jwks(std::string_view json, JwksKeys& out, std::string& error);

}  // namespace sb::auth

#pragma once
#include <openssl/types.h>

#include <memory>
#include <string>

namespace sb::auth {

enum class JwtAlgorithm { kHS256, kRS256, kES256 };

// One key that verifies tokens: the only algorithm it accepts, its id and its material.
// A token is checked with a key only when the token's "alg" is exactly the key's algorithm,
// so an RSA public key can never serve as an HMAC secret (no HS/RS confusion).
struct JwtKey {
  std::string kid;                       // empty: a configured key that any kid may try
  JwtAlgorithm algorithm = JwtAlgorithm::kHS256;
  std::string secret;                    // HS256
  std::shared_ptr<EVP_PKEY> public_key;  // RS256 and ES256
  bool from_jwks = false;                // replaced when the JWKS document is read again
};

// Wraps an EVP_PKEY (owned) so that key sets can share it.
std::shared_ptr<EVP_PKEY> share_key(EVP_PKEY* key);

}  // namespace sb::auth

// Arbitrary text as a JWKS document, as fetched from an identity provider: parsing must
// take or skip each key cleanly, and the keys taken must verify (and refuse) tokens
// without crashing, whatever the key parameters hold.
#include <cstdint>
#include <memory>
#include <string>

#include "auth/jwks.h"
#include "auth/jwt.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::unique_ptr<sb::auth::JwtCodec> codec = [] {
    sb::auth::JwtSettings settings;
    settings.secret.clear();
    settings.jwks.url = "http://127.0.0.1:1/jwks.json";  // keys come from the fuzzer instead
    std::string error;
    return sb::auth::JwtCodec::create(settings, error);
  }();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  sb::auth::JwksKeys keys;
  std::string error;
  if (!sb::auth::parse_jwks(text, keys, error)) return 0;
  codec->set_jwks_keys(std::move(keys.keys));
  sb::auth::Identity identity;
  // Tokens of each algorithm, with and without a kid, against whatever keys were taken.
  for (const char* token : {
           "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJhIn0.c2ln",  // RS256, kid k1
           "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhIn0.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
           "eyJhbGciOiJIUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJhIn0.c2ln",  // HS256, kid k1
       }) {
    (void)codec->verify(token, 1800000000, identity);
  }
  return 0;
}

// Arbitrary text as a JWT (and as a session backend's user JSON): verification must reject
// or accept cleanly, never crash, whatever the header, payload or signature hold.
#include <cstdint>
#include <memory>
#include <string>

#include "auth/base64url.h"
#include "auth/jwt.h"
#include "auth/session_resolver.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::unique_ptr<sb::auth::JwtCodec> codec = [] {
    sb::auth::JwtSettings settings;
    settings.secret = "fuzz-secret";
    settings.issuer = "iss";
    settings.audience = "aud";
    std::string error;
    return sb::auth::JwtCodec::create(settings, error);
  }();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  sb::auth::Identity identity;
  (void)codec->verify(text, 1800000000, identity);
  (void)codec->verify(text, 1800000000, identity, sb::auth::TokenUse::kRefresh);
  // The same bytes as the claims of a correctly signed token reach the claims parser.
  std::string error;
  std::string signed_token = codec->sign(text, error);
  if (!signed_token.empty()) (void)codec->verify(signed_token, 1800000000, identity);
  (void)sb::auth::base64url_decode(text);
  (void)sb::auth::SessionResolver::parse_user(text, identity);
  (void)sb::auth::cookie_value(text, "pm-session");
  return 0;
}

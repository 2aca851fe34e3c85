#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace sb::auth {

// RFC 4648 section 5 alphabet without padding, as JWS uses.
std::string base64url_encode(std::string_view bytes);
// Decodes canonical unpadded base64url: nullopt on padding, any character outside the
// alphabet, an impossible length, or non-zero unused bits in the last character.
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace sb::auth

#pragma once
#include <string>
#include <string_view>

namespace sb::auth {

// Argon2id password hashing through libsodium (crypto_pwhash_str format, "$argon2id$...").
// Returns an empty string if hashing failed (out of memory).
std::string hash_password(std::string_view password);
// Constant-time check of a password against a stored hash; false for malformed hashes.
bool verify_password(std::string_view stored_hash, std::string_view password);

}  // namespace sb::auth

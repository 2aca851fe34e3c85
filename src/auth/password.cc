#include "auth/password.h"

#include <sodium.h>

namespace sb::auth {

namespace {
bool ready() {
  static const bool ok = sodium_init() >= 0;
  return ok;
}
}  // namespace

std::string hash_password(std::string_view password) {
  if (!ready()) return {};
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return {};
  }
  return out;
}

bool verify_password(std::string_view stored_hash, std::string_view password) {
  if (!ready() || stored_hash.empty() || stored_hash.size() >= crypto_pwhash_STRBYTES) return false;
  std::string hash(stored_hash);  // libsodium wants a NUL-terminated string
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

}  // namespace sb::auth

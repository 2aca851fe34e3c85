#include "auth/identity.h"

#include <algorithm>

namespace sb::auth {

bool Identity::has_permission(const std::string& permission) const {
  return std::find(permissions.begin(), permissions.end(), permission) != permissions.end();
}

IdentityPtr anonymous_identity() {
  static const IdentityPtr anonymous = std::make_shared<Identity>();
  return anonymous;
}

}  // namespace sb::auth

#include "auth/identity.h"

#include <algorithm>

namespace sb::auth {

const Identity::Rare Identity::kNoRare;

Identity::Identity(const Identity& other)
    : anonymous(other.anonymous),
      user_id(other.user_id),
      name(other.name),
      roles(other.roles),
      permissions(other.permissions),
      valid_until(other.valid_until),
      rare_(other.rare_ ? std::make_unique<Rare>(*other.rare_) : nullptr) {}

Identity& Identity::operator=(const Identity& other) {
  if (this != &other) *this = Identity(other);
  return *this;
}

Identity::Rare& Identity::rare() {
  if (!rare_) rare_ = std::make_unique<Rare>();
  return *rare_;
}

bool Identity::has_permission(const std::string& permission) const {
  return std::find(permissions.begin(), permissions.end(), permission) != permissions.end();
}

IdentityPtr anonymous_identity() {
  static const IdentityPtr anonymous = std::make_shared<Identity>();
  return anonymous;
}

}  // namespace sb::auth

#include "auth/identity.h"

#include <algorithm>
#include <array>

namespace sb::auth {

const Identity::Rare Identity::kNoRare;
const Identity::Grants Identity::kNoGrants;

Identity::Identity(const Identity& other)
    : anonymous(other.anonymous),
      user_id(other.user_id),
      name(other.name),
      valid_until(other.valid_until),
      grants_(other.grants_),
      rare_(other.rare_ ? std::make_unique<Rare>(*other.rare_) : nullptr) {}

Identity& Identity::operator=(const Identity& other) {
  if (this != &other) *this = Identity(other);
  return *this;
}

Identity::Rare& Identity::rare() {
  if (!rare_) rare_ = std::make_unique<Rare>();
  return *rare_;
}

void Identity::set_grants(std::vector<std::string> roles, std::vector<std::string> permissions) {
  if (roles.empty() && permissions.empty()) {
    grants_.reset();
    return;
  }
  // The few sets seen last on this thread (a loop verifies one token after another): a
  // storm of users of the same role then holds one copy of its lists, not one per user.
  constexpr size_t kRecent = 8;
  thread_local std::array<std::shared_ptr<const Grants>, kRecent> recent;
  thread_local size_t next_slot = 0;
  for (const auto& grants : recent) {
    if (grants && grants->roles == roles && grants->permissions == permissions) {
      grants_ = grants;
      return;
    }
  }
  grants_ = std::make_shared<const Grants>(Grants{std::move(roles), std::move(permissions)});
  recent[next_slot] = grants_;
  next_slot = (next_slot + 1) % kRecent;
}

bool Identity::has_permission(const std::string& permission) const {
  const auto& list = permissions();
  return std::find(list.begin(), list.end(), permission) != list.end();
}

IdentityPtr anonymous_identity() {
  static const IdentityPtr anonymous = make_identity();
  return anonymous;
}

}  // namespace sb::auth

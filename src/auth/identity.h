#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "auth/identity_ptr.h"

namespace sb::auth {

// Who is on a connection, dialect-neutral. Built from verified JWT claims (or anonymous).
// Only the claims the core uses are kept, and those few tokens carry live apart: every
// byte here is paid by each idle connection.
struct Identity {
  // The claims most tokens do not carry, allocated by the first write to one of them.
  struct Rare {
    std::string avatar;      // "avatar" or "picture"
    std::string tenant;      // "tenant", "company" or "companyId"
    std::string session_id;  // "sid": the login session the token belongs to, when it says
    std::vector<std::string> teams;  // "teams" (array) or "team" (string)
  };

  Identity() = default;
  Identity(const Identity& other);
  Identity& operator=(const Identity& other);
  Identity(Identity&&) noexcept = default;
  Identity& operator=(Identity&&) noexcept = default;

  bool anonymous = true;

 private:
  template <typename>
  friend class BasicIdentityPtr;
  RefCount refs_;  // BasicIdentityPtr's count: next to the flag, in bytes that were padding

 public:
  std::string user_id;  // "sub"
  std::string name;     // "name"
  // Roles and permissions. Most users carry one of a few sets, so identities given equal
  // lists one shortly after another on a thread share one copy (set_grants).
  struct Grants {
    std::vector<std::string> roles;        // "roles" (array) or "role" (string)
    std::vector<std::string> permissions;  // "permissions" (array) or space-separated "scope"
  };
  const std::vector<std::string>& roles() const { return grants_ ? grants_->roles : kNoGrants.roles; }
  const std::vector<std::string>& permissions() const {
    return grants_ ? grants_->permissions : kNoGrants.permissions;
  }
  // Replaces both lists. Lists equal to those of one of the last few identities given
  // lists on this thread are shared with it instead of copied.
  void set_grants(std::vector<std::string> roles, std::vector<std::string> permissions);
  void set_roles(std::vector<std::string> roles) { set_grants(std::move(roles), permissions()); }
  void set_permissions(std::vector<std::string> permissions) { set_grants(roles(), std::move(permissions)); }
  // Seconds since the epoch after which the token no longer verifies ("exp" plus the
  // configured leeway), 0 when it has no "exp". The expiry timer uses the same instant.
  int64_t valid_until = 0;

  const std::string& avatar() const { return rare_ ? rare_->avatar : kNoRare.avatar; }
  const std::string& tenant() const { return rare_ ? rare_->tenant : kNoRare.tenant; }
  const std::string& session_id() const { return rare_ ? rare_->session_id : kNoRare.session_id; }
  const std::vector<std::string>& teams() const { return rare_ ? rare_->teams : kNoRare.teams; }
  // The rare claims, for writing: created empty on first use.
  Rare& rare();

  bool has_permission(const std::string& permission) const;

 private:
  static const Rare kNoRare;
  static const Grants kNoGrants;
  std::shared_ptr<const Grants> grants_;  // null: no roles and no permissions
  std::unique_ptr<Rare> rare_;
};

using IdentityPtr = BasicIdentityPtr<const Identity>;

// A new identity, for filling in before it is shared as an IdentityPtr.
template <typename... Args>
BasicIdentityPtr<Identity> make_identity(Args&&... args) {
  return BasicIdentityPtr<Identity>(new Identity(std::forward<Args>(args)...));
}

// The shared anonymous identity.
IdentityPtr anonymous_identity();

}  // namespace sb::auth

#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace sb::auth {

// Who is on a connection, dialect-neutral. Built from verified JWT claims (or anonymous).
// Only the claims the core uses are kept: an idle connection must stay small, and every
// field here is paid for by each connection.
struct Identity {
  bool anonymous = true;
  std::string user_id;      // "sub"
  std::string name;         // "name"
  std::string avatar;       // "avatar" or "picture"
  std::string tenant;       // "tenant", "company" or "companyId"
  std::string session_id;   // "sid": the login session the token belongs to, when it says
  std::vector<std::string> roles;        // "roles" (array) or "role" (string)
  std::vector<std::string> permissions;  // "permissions" (array) or space-separated "scope"
  std::vector<std::string> teams;        // "teams" (array) or "team" (string)
  // Seconds since the epoch after which the token no longer verifies ("exp" plus the
  // configured leeway), 0 when it has no "exp". The expiry timer uses the same instant.
  int64_t valid_until = 0;

  bool has_permission(const std::string& permission) const;
};

using IdentityPtr = std::shared_ptr<const Identity>;

// The shared anonymous identity.
IdentityPtr anonymous_identity();

}  // namespace sb::auth

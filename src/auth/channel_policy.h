#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "auth/identity.h"

namespace sb::auth {

// Ordered roles, lowest first (default viewer < editor < admin < master). Holding a role
// satisfies every requirement at or below it; roles outside the list satisfy only
// themselves.
class RoleHierarchy {
 public:
  RoleHierarchy() = default;
  explicit RoleHierarchy(std::vector<std::string> ordered) : ordered_(std::move(ordered)) {}
  bool satisfies(const Identity& identity, const std::string& required) const;
  // Rank of role in the hierarchy, or -1.
  int rank(std::string_view role) const;
  const std::vector<std::string>& ordered() const { return ordered_; }

 private:
  std::vector<std::string> ordered_;
};

// Who may do one thing (subscribe or publish) on a channel.
struct AccessRule {
  bool allow = true;        // false: nobody (except what `role` lets through is not considered)
  bool anonymous = false;   // anonymous connections allowed
  std::string role;         // required role (hierarchy applies), empty for none
  std::string permission;   // required permission, empty for none
};

// A configured rule for channels matching `pattern`. The pattern may contain {userId},
// {tenant} and {team} placeholders: such a segment matches only the caller's own id,
// tenant, or one of their teams.
struct ChannelRule {
  std::string pattern;
  AccessRule subscribe;
  AccessRule publish;
};

enum class Decision { kAllow, kUnauthenticated, kForbidden };

// Decides subscribe and publish rights. For a concrete channel the first rule whose pattern
// matches decides (or the defaults). For a wildcard subscription every rule that could
// match one of its channels must allow it, and so must the default, so a pattern can never
// reach a channel that the caller could not subscribe to by name.
class ChannelPolicy {
 public:
  ChannelPolicy() = default;
  ChannelPolicy(std::vector<ChannelRule> rules, AccessRule default_subscribe, AccessRule default_publish,
                RoleHierarchy roles);

  Decision can_subscribe(const Identity& identity, std::string_view pattern) const;
  // The access rule that decides subscriptions to a concrete channel (for error details
  // such as the permission that was missing).
  const AccessRule& subscribe_rule(std::string_view channel) const;
  Decision can_publish(const Identity& identity, std::string_view channel) const;
  const RoleHierarchy& roles() const { return roles_; }

 private:
  Decision check(const Identity& identity, std::string_view pattern, bool subscribe) const;
  Decision evaluate(const Identity& identity, const AccessRule& access) const;

  struct CompiledRule {
    ChannelRule rule;
    std::string generic;  // placeholders replaced by "*"
    bool has_placeholders = false;
  };
  std::vector<CompiledRule> rules_;
  AccessRule default_subscribe_;
  AccessRule default_publish_;
  RoleHierarchy roles_;
};

// The patterns a placeholder rule stands for, for one identity: {userId} and {tenant}
// become its values, {team} each of its teams (no pattern at all without teams).
std::vector<std::string> substitute_placeholders(std::string_view pattern, const Identity& identity);

}  // namespace sb::auth

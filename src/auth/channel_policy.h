#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "auth/identity.h"
#include "hub/broker.h"

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
  bool allow = true;        // false: nobody
  bool anonymous = false;   // anonymous connections allowed
  std::string role;         // required role (hierarchy applies), empty for none
  std::string permission;   // required permission, empty for none
};

// A configured rule for channels matching `pattern`. The pattern may contain {userId},
// {tenant} and {team} placeholders, each a whole segment: such a segment stands for the
// caller's own id, tenant or one of their teams, compared as a whole string (an id may hold
// '.', ':' or any other byte; it is never read as pattern syntax).
struct ChannelRule {
  std::string pattern;
  AccessRule subscribe;
  AccessRule publish;
  hub::Retention history;  // the recent publications its channels keep (none by default)
};

enum class Decision { kAllow, kUnauthenticated, kForbidden };

// Decides what a client may subscribe and publish to. The contract:
//  - Reserved channels ("$..."), by name or pattern, are never a client's.
//  - Built in before every configured rule: `user:{userId}`, each user's personal channel,
//    which only its owner may subscribe to and no client may publish into.
//  - A rule with placeholders applies to every channel its pattern could name for any
//    identity (each placeholder standing for one or more segments), and allows only the
//    channels it names for the caller's own values; every other channel it applies to is
//    refused, whatever the later rules or the default say.
//  - A concrete channel is decided by the first rule whose pattern matches it, or by the
//    default.
//  - A wildcard pattern is allowed only when every channel it could match is allowed: every
//    rule it overlaps (up to the first one that covers it whole) must allow it, and so must
//    the default unless a rule covers it whole; a placeholder rule it overlaps allows it
//    only if the caller's own channels of that rule cover the whole pattern.
class ChannelPolicy {
 public:
  ChannelPolicy();
  ChannelPolicy(std::vector<ChannelRule> rules, AccessRule default_subscribe, AccessRule default_publish,
                RoleHierarchy roles);

  // Checks that a rule pattern is well formed: a valid channel pattern once placeholders
  // are filled in, each placeholder a whole segment. False with a readable error.
  static bool validate_rule_pattern(std::string_view pattern, std::string& error);

  Decision can_subscribe(const Identity& identity, std::string_view pattern) const;
  // The access rule that decides subscriptions to a concrete channel (for error details
  // such as the permission that was missing).
  const AccessRule& subscribe_rule(std::string_view channel) const;
  Decision can_publish(const Identity& identity, std::string_view channel) const;
  // The history a concrete channel keeps: that of the first rule whose pattern (placeholders
  // standing for any value) matches it; none for patterns and channels no rule names.
  hub::Retention retention(std::string_view channel) const;
  const RoleHierarchy& roles() const { return roles_; }

 private:
  struct CompiledRule {
    ChannelRule rule;
    std::string generic;  // each placeholder replaced by "**": every channel the rule may name
    bool has_placeholders = false;
  };

  Decision check(const Identity& identity, std::string_view pattern, bool subscribe) const;
  Decision check_channel(const Identity& identity, std::string_view channel, bool subscribe) const;
  Decision check_pattern(const Identity& identity, std::string_view pattern, bool subscribe) const;
  Decision evaluate(const Identity& identity, const AccessRule& access) const;
  void compile(ChannelRule rule);

  std::vector<CompiledRule> rules_;
  AccessRule default_subscribe_;
  AccessRule default_publish_;
  RoleHierarchy roles_;
  bool any_history_ = false;  // some rule keeps history (else publishes skip the lookup)
};

// The patterns a placeholder rule names for one identity: each placeholder filled with the
// identity's value as literal text ({team} once per team). A value that could not be part
// of a channel name (empty, wildcards, whitespace...) names nothing.
std::vector<std::string> own_patterns(std::string_view rule_pattern, const Identity& identity);

}  // namespace sb::auth

#include "auth/channel_policy.h"

#include <algorithm>

#include "hub/topic.h"

namespace sb::auth {

namespace {
void replace_all(std::string& text, std::string_view from, std::string_view to) {
  size_t pos = 0;
  while ((pos = text.find(from, pos)) != std::string::npos) {
    text.replace(pos, from.size(), to);
    pos += to.size();
  }
}
}  // namespace

int RoleHierarchy::rank(std::string_view role) const {
  for (size_t i = 0; i < ordered_.size(); ++i) {
    if (ordered_[i] == role) return static_cast<int>(i);
  }
  return -1;
}

bool RoleHierarchy::satisfies(const Identity& identity, const std::string& required) const {
  if (required.empty()) return true;
  int needed = rank(required);
  for (const auto& role : identity.roles) {
    if (role == required) return true;
    if (needed >= 0 && rank(role) >= needed) return true;
  }
  return false;
}

std::vector<std::string> substitute_placeholders(std::string_view pattern, const Identity& identity) {
  std::string base(pattern);
  // An identity without a value must never match: use a segment no channel can contain.
  replace_all(base, "{userId}", identity.user_id.empty() ? "\x01" : identity.user_id);
  replace_all(base, "{tenant}", identity.tenant.empty() ? "\x01" : identity.tenant);
  if (base.find("{team}") == std::string::npos) return {base};
  std::vector<std::string> out;
  for (const auto& team : identity.teams) {
    std::string one = base;
    replace_all(one, "{team}", team);
    out.push_back(std::move(one));
  }
  return out;
}

ChannelPolicy::ChannelPolicy(std::vector<ChannelRule> rules, AccessRule default_subscribe,
                             AccessRule default_publish, RoleHierarchy roles)
    : default_subscribe_(std::move(default_subscribe)),
      default_publish_(std::move(default_publish)),
      roles_(std::move(roles)) {
  for (auto& rule : rules) {
    CompiledRule compiled;
    compiled.generic = rule.pattern;
    replace_all(compiled.generic, "{userId}", "*");
    replace_all(compiled.generic, "{tenant}", "*");
    replace_all(compiled.generic, "{team}", "*");
    compiled.has_placeholders = compiled.generic != rule.pattern;
    compiled.rule = std::move(rule);
    rules_.push_back(std::move(compiled));
  }
}

Decision ChannelPolicy::evaluate(const Identity& identity, const AccessRule& access) const {
  if (!access.allow) return Decision::kForbidden;
  bool open = access.role.empty() && access.permission.empty();
  if (identity.anonymous) return access.anonymous && open ? Decision::kAllow : Decision::kUnauthenticated;
  if (!roles_.satisfies(identity, access.role)) return Decision::kForbidden;
  if (!access.permission.empty() && !identity.has_permission(access.permission)) return Decision::kForbidden;
  return Decision::kAllow;
}

Decision ChannelPolicy::check(const Identity& identity, std::string_view pattern, bool subscribe) const {
  auto access_of = [&](const ChannelRule& r) -> const AccessRule& { return subscribe ? r.subscribe : r.publish; };
  if (!hub::has_wildcard(pattern)) {
    for (const auto& compiled : rules_) {
      if (!hub::pattern_matches(compiled.generic, pattern)) continue;
      if (compiled.has_placeholders) {
        bool own = false;
        for (const auto& p : substitute_placeholders(compiled.rule.pattern, identity)) {
          own = own || hub::pattern_matches(p, pattern);
        }
        if (!own) return identity.anonymous ? Decision::kUnauthenticated : Decision::kForbidden;
      }
      return evaluate(identity, access_of(compiled.rule));
    }
    return evaluate(identity, subscribe ? default_subscribe_ : default_publish_);
  }
  // Wildcard: the most restrictive answer of everything it could reach.
  Decision worst = evaluate(identity, subscribe ? default_subscribe_ : default_publish_);
  auto combine = [&worst](Decision d) {
    if (d == Decision::kUnauthenticated || (d == Decision::kForbidden && worst == Decision::kAllow)) worst = d;
  };
  for (const auto& compiled : rules_) {
    if (!hub::patterns_overlap(compiled.generic, pattern)) continue;
    if (compiled.has_placeholders) {
      bool own = false;
      for (const auto& p : substitute_placeholders(compiled.rule.pattern, identity)) {
        own = own || hub::pattern_covers(p, pattern);
      }
      if (!own) {
        combine(identity.anonymous ? Decision::kUnauthenticated : Decision::kForbidden);
        continue;
      }
    }
    combine(evaluate(identity, access_of(compiled.rule)));
  }
  return worst;
}

const AccessRule& ChannelPolicy::subscribe_rule(std::string_view channel) const {
  for (const auto& compiled : rules_) {
    if (hub::pattern_matches(compiled.generic, channel)) return compiled.rule.subscribe;
  }
  return default_subscribe_;
}

Decision ChannelPolicy::can_subscribe(const Identity& identity, std::string_view pattern) const {
  return check(identity, pattern, true);
}

Decision ChannelPolicy::can_publish(const Identity& identity, std::string_view channel) const {
  return check(identity, channel, false);
}

}  // namespace sb::auth

#include "auth/channel_policy.h"

#include "hub/topic.h"

namespace sb::auth {

namespace {

constexpr std::string_view kUserId = "{userId}";
constexpr std::string_view kTenant = "{tenant}";
constexpr std::string_view kTeam = "{team}";

bool is_placeholder(std::string_view segment) {
  return segment == kUserId || segment == kTenant || segment == kTeam;
}

// The rule every configuration gets first: a user's personal channel is theirs alone.
ChannelRule personal_channel_rule() {
  AccessRule own;  // any authenticated caller, for their own channel only
  AccessRule nobody;
  nobody.allow = false;
  return ChannelRule{"user:{userId}", own, nobody, {}};
}

// Appends the rule's segments to out with `value` for placeholder `which` and the
// identity's single values for the others. False when a needed value cannot be literal
// channel text.
bool fill(const std::vector<hub::Segment>& segments, const Identity& identity, std::string_view team,
          std::string& out) {
  for (const auto& s : segments) {
    if (s.separator != 0) out += s.separator;
    std::string_view text = s.text;
    if (text == kUserId) text = identity.user_id;
    else if (text == kTenant) text = identity.tenant();
    else if (text == kTeam) text = team;
    else {
      out += text;
      continue;
    }
    // The value is literal text: its own separators become segment boundaries, and a value
    // that would read as a wildcard or is not channel text at all names nothing.
    if (!hub::is_valid_channel(text)) return false;
    out += text;
  }
  return true;
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
  for (const auto& role : identity.roles()) {
    if (role == required) return true;
    if (needed >= 0 && rank(role) >= needed) return true;
  }
  return false;
}

std::vector<std::string> own_patterns(std::string_view rule_pattern, const Identity& identity) {
  if (identity.anonymous) return {};
  std::vector<hub::Segment> segments;
  hub::split_segments(rule_pattern, segments);
  bool has_team = false;
  for (const auto& s : segments) has_team = has_team || s.text == kTeam;
  std::vector<std::string> out;
  auto add = [&](std::string_view team) {
    std::string pattern;
    if (fill(segments, identity, team, pattern)) out.push_back(std::move(pattern));
  };
  if (!has_team) {
    add({});
  } else {
    for (const auto& team : identity.teams()) add(team);
  }
  return out;
}

bool ChannelPolicy::validate_rule_pattern(std::string_view pattern, std::string& error) {
  std::vector<hub::Segment> segments;
  hub::split_segments(pattern, segments);
  std::string filled;
  for (const auto& s : segments) {
    if (s.separator != 0) filled += s.separator;
    if (is_placeholder(s.text)) {
      filled += "x";
    } else if (s.text.find_first_of("{}") != std::string_view::npos) {
      error = "channel rule \"" + std::string(pattern) +
              "\": placeholders ({userId}, {tenant}, {team}) must be whole segments";
      return false;
    } else {
      filled += s.text;
    }
  }
  if (!hub::is_valid_pattern(filled)) {
    error = "channel rule \"" + std::string(pattern) + "\" is not a valid channel pattern";
    return false;
  }
  return true;
}

ChannelPolicy::ChannelPolicy() { compile(personal_channel_rule()); }

ChannelPolicy::ChannelPolicy(std::vector<ChannelRule> rules, AccessRule default_subscribe,
                             AccessRule default_publish, RoleHierarchy roles)
    : default_subscribe_(std::move(default_subscribe)),
      default_publish_(std::move(default_publish)),
      roles_(std::move(roles)) {
  compile(personal_channel_rule());
  for (auto& rule : rules) compile(std::move(rule));
}

void ChannelPolicy::compile(ChannelRule rule) {
  CompiledRule compiled;
  std::vector<hub::Segment> segments;
  hub::split_segments(rule.pattern, segments);
  for (const auto& s : segments) {
    if (s.separator != 0) compiled.generic += s.separator;
    if (is_placeholder(s.text)) {
      compiled.generic += "**";
      compiled.has_placeholders = true;
    } else {
      compiled.generic += s.text;
    }
  }
  any_history_ = any_history_ || rule.history.keeps_history();
  compiled.rule = std::move(rule);
  rules_.push_back(std::move(compiled));
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
  if (hub::is_reserved_channel(pattern)) return Decision::kForbidden;
  return hub::has_wildcard(pattern) ? check_pattern(identity, pattern, subscribe)
                                    : check_channel(identity, pattern, subscribe);
}

Decision ChannelPolicy::check_channel(const Identity& identity, std::string_view channel, bool subscribe) const {
  Decision not_own = identity.anonymous ? Decision::kUnauthenticated : Decision::kForbidden;
  for (const auto& compiled : rules_) {
    if (!hub::pattern_matches(compiled.generic, channel)) continue;
    if (compiled.has_placeholders) {
      bool own = false;
      for (const auto& p : own_patterns(compiled.rule.pattern, identity)) own = own || hub::pattern_matches(p, channel);
      if (!own) return not_own;
    }
    return evaluate(identity, subscribe ? compiled.rule.subscribe : compiled.rule.publish);
  }
  return evaluate(identity, subscribe ? default_subscribe_ : default_publish_);
}

Decision ChannelPolicy::check_pattern(const Identity& identity, std::string_view pattern, bool subscribe) const {
  // The most restrictive answer over every channel the pattern could match.
  Decision worst = Decision::kAllow;
  auto combine = [&worst](Decision d) {
    if (d == Decision::kUnauthenticated || (d == Decision::kForbidden && worst == Decision::kAllow)) worst = d;
  };
  Decision not_own = identity.anonymous ? Decision::kUnauthenticated : Decision::kForbidden;
  bool covered = false;
  for (const auto& compiled : rules_) {
    if (!hub::patterns_overlap(compiled.generic, pattern)) continue;
    if (compiled.has_placeholders) {
      bool own = false;
      for (const auto& p : own_patterns(compiled.rule.pattern, identity)) own = own || hub::pattern_covers(p, pattern);
      if (!own) {
        combine(not_own);
        continue;
      }
    }
    combine(evaluate(identity, subscribe ? compiled.rule.subscribe : compiled.rule.publish));
    if (hub::pattern_covers(compiled.generic, pattern)) {
      // Every channel of the pattern is decided by this rule or an earlier one.
      covered = true;
      break;
    }
  }
  if (!covered) combine(evaluate(identity, subscribe ? default_subscribe_ : default_publish_));
  return worst;
}

hub::Retention ChannelPolicy::retention(std::string_view channel) const {
  if (!any_history_ || hub::has_wildcard(channel)) return {};
  for (const auto& compiled : rules_) {
    if (hub::pattern_matches(compiled.generic, channel)) return compiled.rule.history;
  }
  return {};
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

// Property-based fuzzing of the channel policy. From the input: two identities whose ids,
// tenants and teams hold any bytes, a default that lets everyone in, a pattern and a
// concrete channel (mostly built from the pattern, so that they match). The properties:
//  1. When a pattern may be subscribed to, every channel it matches may be subscribed to.
//  2. No identity subscribes to or publishes into another's own channels (`user:<id>`,
//     `notifications.user.<id>`), by name or through an allowed pattern.
//  3. No identity reaches a reserved ("$") channel, by name or through an allowed pattern.
// A violation aborts, which libFuzzer reports with the input.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "auth/channel_policy.h"
#include "hub/topic.h"

namespace {

using sb::auth::AccessRule;
using sb::auth::ChannelPolicy;
using sb::auth::ChannelRule;
using sb::auth::Decision;
using sb::auth::Identity;

// Ids are often made of the characters that matter to channel syntax.
std::string fuzzy_text(FuzzedDataProvider& in, size_t max) {
  static const char kInteresting[] = {'.', ':', '*', '$', ' ', 'a', 'b', '\xC3', '\xA9', '{', '}', 'u'};
  std::string out;
  size_t n = in.ConsumeIntegralInRange<size_t>(0, max);
  for (size_t i = 0; i < n; ++i) {
    out += in.ConsumeBool() ? kInteresting[in.ConsumeIntegralInRange<size_t>(0, sizeof kInteresting - 1)]
                            : static_cast<char>(in.ConsumeIntegral<uint8_t>());
  }
  return out;
}

Identity fuzzy_identity(FuzzedDataProvider& in) {
  Identity id;
  id.anonymous = in.ConsumeIntegralInRange<int>(0, 7) == 0;
  if (id.anonymous) return id;
  id.user_id = fuzzy_text(in, 12);
  id.rare().tenant = fuzzy_text(in, 8);
  if (in.ConsumeBool()) id.rare().teams.push_back(fuzzy_text(in, 6));
  std::vector<std::string> roles, permissions;
  if (in.ConsumeBool()) permissions.push_back("matter:read");
  if (in.ConsumeBool()) roles.push_back("admin");
  id.set_grants(std::move(roles), std::move(permissions));
  return id;
}

// notifications_rule: whether `notifications.user.{userId}` is among the rules.
ChannelPolicy fuzzy_policy(FuzzedDataProvider& in, bool& notifications_rule) {
  AccessRule anyone;
  anyone.anonymous = true;
  AccessRule members;
  AccessRule admins;
  admins.role = "admin";
  AccessRule readers;
  readers.permission = "matter:read";
  std::vector<ChannelRule> all = {
      {"notifications.user.{userId}", members, admins}, {"team:{team}", members, members},
      {"tenant.{tenant}.**", members, members},         {"matter:*", readers, readers},
      {"public.**", anyone, members},                    {"admin.**", admins, admins},
  };
  std::vector<ChannelRule> rules;
  notifications_rule = false;
  for (const auto& rule : all) {
    if (!in.ConsumeBool()) continue;
    rules.push_back(rule);
    notifications_rule = notifications_rule || rule.pattern.starts_with("notifications.");
  }
  // The most dangerous default: the policy alone must keep the properties.
  return ChannelPolicy(rules, anyone, anyone, sb::auth::RoleHierarchy({"viewer", "admin"}));
}

// A channel that the pattern matches, wildcards filled with fuzzer-chosen segments (some of
// them another identity's id, to aim at own channels).
std::string instantiate(FuzzedDataProvider& in, std::string_view pattern, const std::string& other_id) {
  std::vector<sb::hub::Segment> segments;
  sb::hub::split_segments(pattern, segments);
  std::string out;
  for (const auto& s : segments) {
    if (s.separator != 0) out += s.separator;
    if (s.text == "*" || s.text == "**") {
      int choice = in.ConsumeIntegralInRange<int>(0, 3);
      if (choice == 0) out += other_id;
      else if (choice == 1 && s.text == "**") out += fuzzy_text(in, 4) + "." + fuzzy_text(in, 4);
      else out += fuzzy_text(in, 5);
    } else {
      out += s.text;
    }
  }
  return out;
}

void require(bool property) {
  if (!property) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  bool notifications_rule = false;
  ChannelPolicy policy = fuzzy_policy(in, notifications_rule);
  Identity me = fuzzy_identity(in);
  Identity other = fuzzy_identity(in);
  static const char* kShapes[] = {"user:*",       "user:**",    "user:*.**",    "notifications.user.*",
                                  "notifications.**", "**",      "*:*",          "*.user.*",
                                  "tenant.*.**",  "team:*",     "public.**",    "*"};
  std::string pattern = in.ConsumeBool() ? kShapes[in.ConsumeIntegralInRange<size_t>(0, 11)] : fuzzy_text(in, 24);
  if (in.ConsumeBool() && !me.anonymous) pattern += (in.ConsumeBool() ? "." : ":") + me.user_id;
  std::string channel = in.ConsumeBool() ? instantiate(in, pattern, other.user_id) : fuzzy_text(in, 24);

  // 1. An allowed pattern only reaches allowed channels.
  bool pattern_allowed = sb::hub::is_valid_pattern(pattern) && policy.can_subscribe(me, pattern) == Decision::kAllow;
  if (pattern_allowed && sb::hub::is_valid_channel(channel) && sb::hub::pattern_matches(pattern, channel)) {
    require(policy.can_subscribe(me, channel) == Decision::kAllow);
  }
  // 2. Another identity's own channels stay theirs (notifications ones where configured).
  if (!other.anonymous && other.user_id != me.user_id) {
    std::vector<std::string> owned = {"user:" + other.user_id};
    if (notifications_rule) owned.push_back("notifications.user." + other.user_id);
    for (const std::string& own : owned) {
      if (!sb::hub::is_valid_channel(own)) continue;
      require(policy.can_subscribe(me, own) != Decision::kAllow);
      require(policy.can_publish(me, own) != Decision::kAllow);
      require(!(pattern_allowed && sb::hub::pattern_matches(pattern, own)));
    }
  }
  // 3. Reserved channels are the server's.
  std::string reserved = "$" + channel;
  if (sb::hub::is_valid_channel(reserved)) {
    require(policy.can_subscribe(me, reserved) != Decision::kAllow);
    require(policy.can_publish(me, reserved) != Decision::kAllow);
    require(!(pattern_allowed && sb::hub::pattern_matches(pattern, reserved)));
  }
  return 0;
}

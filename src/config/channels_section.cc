#include "config/channels_section.h"

namespace sb::config {

namespace {

// An access rule: a table of allow, anonymous, role and permission ({} allows every
// signed-in user). Absent: the default rule.
auth::AccessRule access_rule(const toml::table& parent, std::string_view key, std::string_view source,
                             const std::string& where, std::vector<std::string>& errors) {
  auth::AccessRule rule;
  const toml::node* node = parent.get(key);
  if (node == nullptr) return rule;
  std::string here = std::string(key) + " of " + where;
  const toml::table* t = node->as_table();
  if (t == nullptr) {
    errors.push_back(location(source, *node) + here + " must be a table such as { role = \"editor\" } or {}");
    rule.allow = false;  // never used: the file is refused
    return rule;
  }
  check_keys(*t, source, here, {"allow", "anonymous", "role", "permission"}, errors);
  read_bool(*t, source, here, "allow", rule.allow, errors);
  read_bool(*t, source, here, "anonymous", rule.anonymous, errors);
  read_string(*t, source, here, "role", rule.role, errors);
  read_string(*t, source, here, "permission", rule.permission, errors);
  return rule;
}

// A rule's history_size or history_ttl: a whole number from 0 to max.
void history_number(const toml::table& t, std::string_view source, const std::string& where, std::string_view key,
                    uint32_t max, uint32_t& out, std::vector<std::string>& errors) {
  const toml::node* node = t.get(key);
  if (node == nullptr) return;
  auto value = node->value<int64_t>();
  if (!node->is_integer() || !value || *value < 0 || *value > max) {
    errors.push_back(location(source, *node) + std::string(key) + " of " + where + " must be a whole number from 0 to " +
                     std::to_string(max));
    return;
  }
  out = static_cast<uint32_t>(*value);
}

}  // namespace

void read_channels_section(const toml::table& root, std::string_view source, Config& config,
                           std::vector<std::string>& errors) {
  const toml::node* node = root.get("channels");
  if (node == nullptr) return;
  const toml::table* channels = node->as_table();
  if (channels == nullptr) {
    errors.push_back(location(source, *node) + "channels must be a table");
    return;
  }
  check_keys(*channels, source, "[channels]", {"default", "rules"}, errors);
  if (const toml::node* d = channels->get("default")) {
    if (const toml::table* t = d->as_table()) {
      check_keys(*t, source, "[channels.default]", {"subscribe", "publish"}, errors);
      config.default_subscribe = access_rule(*t, "subscribe", source, "[channels.default]", errors);
      config.default_publish = access_rule(*t, "publish", source, "[channels.default]", errors);
    } else {
      errors.push_back(location(source, *d) + "channels.default must be a table");
    }
  }
  const toml::node* r = channels->get("rules");
  if (r == nullptr) return;
  const toml::array* rules = r->as_array();
  if (rules == nullptr) {
    errors.push_back(location(source, *r) + "channels.rules must be an array of tables ([[channels.rules]])");
    return;
  }
  config.channel_rules.clear();
  for (const auto& item : *rules) {
    const toml::table* t = item.as_table();
    if (t == nullptr) {
      errors.push_back(location(source, item) + "each channels.rules entry must be a table ([[channels.rules]])");
      continue;
    }
    auth::ChannelRule rule;
    std::string where = "[[channels.rules]]";
    read_string(*t, source, where, "pattern", rule.pattern, errors);
    if (rule.pattern.empty()) {
      errors.push_back(location(source, item) + "each [[channels.rules]] needs a pattern");
      continue;
    }
    where += " \"" + rule.pattern + "\"";
    std::string why;
    if (!auth::ChannelPolicy::validate_rule_pattern(rule.pattern, why)) {
      errors.push_back(location(source, item) + why);
      continue;
    }
    check_keys(*t, source, where, {"pattern", "subscribe", "publish", "history_size", "history_ttl"}, errors);
    rule.subscribe = access_rule(*t, "subscribe", source, where, errors);
    rule.publish = access_rule(*t, "publish", source, where, errors);
    history_number(*t, source, where, "history_size", kMaxHistorySize, rule.history.size, errors);
    history_number(*t, source, where, "history_ttl", UINT32_MAX, rule.history.ttl_s, errors);
    if ((rule.history.size == 0) != (rule.history.ttl_s == 0)) {
      errors.push_back(location(source, item) + "channel rule \"" + rule.pattern + "\" needs both history_size (1.." +
                       std::to_string(kMaxHistorySize) + ") and history_ttl (seconds)");
      continue;
    }
    config.channel_rules.push_back(std::move(rule));
  }
}

}  // namespace sb::config

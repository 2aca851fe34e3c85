#include "config/strict_table.h"

#include <algorithm>

namespace sb::config {

namespace {

// Edit distance (insertions, deletions, substitutions, swaps of neighbours) of two short names.
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

std::string type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "a number";
    case toml::node_type::floating_point: return "a number";
    case toml::node_type::boolean: return "true or false";
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    default: return "a date or time";
  }
}

}  // namespace

std::string location(std::string_view source, const toml::node& node) {
  std::string out(source);
  if (node.source().begin.line != 0) out += ":" + std::to_string(node.source().begin.line);
  return out + ": ";
}

std::string_view near_miss(std::string_view given, std::initializer_list<std::string_view> allowed) {
  std::string_view best;
  size_t best_distance = 3;
  for (std::string_view name : allowed) {
    size_t d = edit_distance(given, name);
    if (d < best_distance) {
      best = name;
      best_distance = d;
    }
  }
  return best;
}

void check_keys(const toml::table& table, std::string_view source, std::string_view where,
                std::initializer_list<std::string_view> allowed, std::vector<std::string>& errors) {
  for (const auto& [key, value] : table) {
    std::string_view name = key.str();
    if (std::find(allowed.begin(), allowed.end(), name) != allowed.end()) continue;
    std::string error = location(source, value) + "unknown key \"" + std::string(name) + "\" in " + std::string(where);
    if (std::string_view guess = near_miss(name, allowed); !guess.empty()) error += "; did you mean \"" + std::string(guess) + "\"?";
    error += " (allowed:";
    for (std::string_view a : allowed) error += " " + std::string(a);
    errors.push_back(error + ")");
  }
}

void read_bool(const toml::table& table, std::string_view source, std::string_view where, std::string_view key,
               bool& out, std::vector<std::string>& errors) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return;
  if (auto value = node->value<bool>()) {
    out = *value;
    return;
  }
  errors.push_back(location(source, *node) + std::string(key) + " in " + std::string(where) +
                   " must be true or false, got " + type_name(*node));
}

void read_string(const toml::table& table, std::string_view source, std::string_view where, std::string_view key,
                 std::string& out, std::vector<std::string>& errors) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return;
  if (node->is_string()) {
    out = *node->value<std::string>();
    return;
  }
  errors.push_back(location(source, *node) + std::string(key) + " in " + std::string(where) +
                   " must be a string, got " + type_name(*node));
}

}  // namespace sb::config

#pragma once
// The packaged toml++ is built with exceptions; only start-up code includes this header.
#include <toml++/toml.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace sb::config {

// Checks one TOML table against the keys it may hold: every other key is an error naming
// the source, its line, the table (`where`, e.g. "[[channels.rules]] \"matter:*\""), the key,
// a near miss ("did you mean role?") and what is allowed. Errors are appended, so that a
// file's mistakes are all reported at once.
void check_keys(const toml::table& table, std::string_view source, std::string_view where,
                std::initializer_list<std::string_view> allowed, std::vector<std::string>& errors);

// Reads an optional boolean or string member of `table` into out (unchanged when absent);
// one of another type is an error naming the source, line, table and key.
void read_bool(const toml::table& table, std::string_view source, std::string_view where, std::string_view key,
               bool& out, std::vector<std::string>& errors);
void read_string(const toml::table& table, std::string_view source, std::string_view where, std::string_view key,
                 std::string& out, std::vector<std::string>& errors);

// "<source>:<line>: " for a node (no line when the node has none).
std::string location(std::string_view source, const toml::node& node);

// The allowed name closest to `given` when it is a near miss (at most two edits), else empty.
std::string_view near_miss(std::string_view given, std::initializer_list<std::string_view> allowed);

}  // namespace sb::config

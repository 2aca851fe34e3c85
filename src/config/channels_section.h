#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "config/strict_table.h"

namespace sb::config {

// Reads [channels] (`default` and `rules`) into config, strictly: the channel policy decides
// who reads what, so a misspelt key ("rol" for "role"), a value of the wrong type or an
// access rule that is not a table is an error, never a rule that allows everyone. Errors
// are appended (the file, the line, the key and what is allowed); config's policy is
// replaced only where the section gives it.
void read_channels_section(const toml::table& root, std::string_view source, Config& config,
                           std::vector<std::string>& errors);

}  // namespace sb::config

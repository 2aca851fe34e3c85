#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sb::json {

// ISO 8601 UTC with milliseconds, "2025-11-11T12:00:00.000Z".
std::string iso8601(uint64_t epoch_ms);

// Milliseconds since the epoch of an RFC 3339 date-time: "2024-01-15T10:30:00Z",
// optionally with a fraction ("…:00.123Z") and an offset instead of Z ("+02:00"). The
// lowercase 't'/'z' and a space between date and time are accepted too. nullopt for
// anything else, dates before 1970 included.
std::optional<uint64_t> parse_iso8601(std::string_view text);

}  // namespace sb::json

#pragma once
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace sb::log {

enum class Level { kTrace, kDebug, kInfo, kWarn, kError };

using Field = std::pair<std::string_view, std::string_view>;

// Configures the process logger (stderr). format "json" writes one JSON object per line,
// "text" writes "event key=value ...". Unknown levels fall back to info.
void init(std::string_view level, std::string_view format);
// Logs one structured event with fields.
void event(Level level, std::string_view name, std::initializer_list<Field> fields = {});
inline void info(std::string_view name, std::initializer_list<Field> fields = {}) { event(Level::kInfo, name, fields); }
inline void warn(std::string_view name, std::initializer_list<Field> fields = {}) { event(Level::kWarn, name, fields); }
inline void error(std::string_view name, std::initializer_list<Field> fields = {}) { event(Level::kError, name, fields); }
inline void debug(std::string_view name, std::initializer_list<Field> fields = {}) { event(Level::kDebug, name, fields); }

}  // namespace sb::log

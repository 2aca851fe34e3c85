#include "observability/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "json/json_writer.h"

namespace sb::log {

namespace {
bool g_json = true;

spdlog::level::level_enum to_spdlog(Level level) {
  switch (level) {
    case Level::kTrace: return spdlog::level::trace;
    case Level::kDebug: return spdlog::level::debug;
    case Level::kInfo: return spdlog::level::info;
    case Level::kWarn: return spdlog::level::warn;
    case Level::kError: return spdlog::level::err;
  }
  return spdlog::level::info;
}
}  // namespace

void init(std::string_view level, std::string_view format) {
  g_json = format != "text";
  auto logger = spdlog::stderr_logger_mt("switchboard");
  spdlog::set_default_logger(logger);
  if (g_json) {
    spdlog::set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l",%v})", spdlog::pattern_time_type::utc);
  } else {
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
  }
  spdlog::level::level_enum parsed = spdlog::level::from_str(std::string(level));
  spdlog::set_level(parsed == spdlog::level::off && level != "off" ? spdlog::level::info : parsed);
}

void event(Level level, std::string_view name, std::initializer_list<Field> fields) {
  auto lvl = to_spdlog(level);
  if (!spdlog::should_log(lvl)) return;
  std::string line;
  if (g_json) {
    line += "\"event\":";
    json::append_string(line, name);
    for (const auto& [key, value] : fields) {
      line += ',';
      json::append_string(line, key);
      line += ':';
      json::append_string(line, value);
    }
  } else {
    line.assign(name);
    for (const auto& [key, value] : fields) {
      line += ' ';
      line += key;
      line += '=';
      line += value;
    }
  }
  spdlog::log(lvl, "{}", line);
}

}  // namespace sb::log

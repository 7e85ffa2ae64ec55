// kmsd's log: one line per event on stderr, as text ("kmsd: <message>
// key=value ...") or as JSON lines ({"time", "level", "msg", fields...}),
// chosen in the config (server.log_format) with a level (server.log_level,
// --log-level). Never given secrets: callers pass identifiers, outcomes and
// sizes only. Thread-safe: lines are written whole.
#ifndef KMS_SERVER_LOG_LOG_H_
#define KMS_SERVER_LOG_LOG_H_

#include <initializer_list>
#include <optional>
#include <string_view>
#include <utility>

namespace kms::log {

enum class Level { kDebug, kInfo, kWarn, kError };
enum class Format { kText, kJson };

// Before any line is written (the defaults: text, info).
void Configure(Format format, Level level);
bool Enabled(Level level);

using Fields = std::initializer_list<std::pair<std::string_view, std::string_view>>;
void Write(Level level, std::string_view message, Fields fields = {});
inline void Info(std::string_view message, Fields fields = {}) {
  Write(Level::kInfo, message, fields);
}
inline void Warn(std::string_view message, Fields fields = {}) {
  Write(Level::kWarn, message, fields);
}
inline void Error(std::string_view message, Fields fields = {}) {
  Write(Level::kError, message, fields);
}

// "debug", "info", "warn", "error"; "text", "json". nullopt for anything else.
std::optional<Level> ParseLevel(std::string_view name);
std::optional<Format> ParseFormat(std::string_view name);

}  // namespace kms::log

#endif  // KMS_SERVER_LOG_LOG_H_

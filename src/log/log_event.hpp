#pragma once

// Structured log lines: one JSON object (or one readable line) per event, written through
// spdlog's default logger. Any spdlog call elsewhere gets the same line format.

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace dialer::log {

/// Severity of a line, lowest first.
enum class level { trace, debug, info, warn, error };

/// How lines are written: one JSON object per line, or readable text.
enum class line_format { json, text };

/// Name of a level as written in lines and in the configuration ("warn").
std::string_view to_string(level l);
/// Parses a level name (trace, debug, info, warn, error); nullopt when unknown.
std::optional<level> parse_level(std::string_view name);
/// Parses a format name (json, text); nullopt when unknown.
std::optional<line_format> parse_format(std::string_view name);

/// The context of one line: request, tenant, campaign, attempt and provider call when known,
/// then any other field, in the order they were set. A field set twice keeps its last value.
class fields {
 public:
  /// One field: its name, its value as text, and whether that text is a JSON number.
  struct entry {
    std::string key;
    std::string value;
    bool number = false;
  };

  /// The HTTP request id ("req_...").
  fields& request_id(std::string_view id) { return add(key_request_id, id); }
  /// The tenant; ignored when 0 (unknown).
  fields& tenant_id(std::int64_t id) { return id ? add(key_tenant_id, id) : *this; }
  /// The campaign; ignored when 0.
  fields& campaign_id(std::int64_t id) { return id ? add(key_campaign_id, id) : *this; }
  /// The call attempt; ignored when 0.
  fields& attempt_id(std::int64_t id) { return id ? add(key_attempt_id, id) : *this; }
  /// The provider's call id; ignored when empty.
  fields& provider_call_id(std::string_view id) {
    return id.empty() ? *this : add(key_provider_call_id, id);
  }

  /// Any other field, as text.
  fields& add(std::string_view key, std::string_view value);
  /// Any other field, as text.
  fields& add(std::string_view key, const char* value) { return add(key, std::string_view(value)); }
  /// Any other field, as an integer.
  template <class Int, std::enable_if_t<std::is_integral_v<Int>, int> = 0>
  fields& add(std::string_view key, Int value) {
    return put(key, std::to_string(value), true);
  }
  /// Any other field, as a number (non-finite values are written as text).
  fields& add(std::string_view key, double value);

  /// The fields, in the order they were first set.
  const std::vector<entry>& entries() const { return entries_; }

  static constexpr std::string_view key_request_id = "request_id";
  static constexpr std::string_view key_tenant_id = "tenant_id";
  static constexpr std::string_view key_campaign_id = "campaign_id";
  static constexpr std::string_view key_attempt_id = "attempt_id";
  static constexpr std::string_view key_provider_call_id = "provider_call_id";

 private:
  fields& put(std::string_view key, std::string value, bool number);
  std::vector<entry> entries_;
};

/// Appends `text` to `out` as the inside of a JSON string: quotes, backslashes and control
/// characters escaped, invalid UTF-8 bytes replaced by U+FFFD.
void append_json_escaped(std::string& out, std::string_view text);

/// One line, '\n' included. `ts` is the ISO 8601 UTC time text. JSON: {"ts","level","msg",
/// then the fields}; fields named ts, level or msg are written with a "field_" prefix.
std::string render_line(line_format format, std::string_view ts, level l, std::string_view msg,
                        const fields& f);

/// Makes spdlog's default logger write lines of `format` at `min_level` and above to stdout,
/// or to `out` when given (tests; it must outlive the logger).
void configure(line_format format, level min_level, std::ostream* out = nullptr);

/// Writes one line with `f` as its context through spdlog's default logger.
void log_event(level l, std::string_view msg, const fields& f = {});

}  // namespace dialer::log

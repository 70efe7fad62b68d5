#include "log/log_event.hpp"

#include <spdlog/formatter.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace dialer::log {
namespace {

/// The fields of the line being written on this thread (log_event sets them around its call to
/// spdlog, whose synchronous sinks format on the caller's thread).
thread_local const fields* current_fields = nullptr;

spdlog::level::level_enum to_spdlog(level l) {
  switch (l) {
    case level::trace:
      return spdlog::level::trace;
    case level::debug:
      return spdlog::level::debug;
    case level::info:
      return spdlog::level::info;
    case level::warn:
      return spdlog::level::warn;
    case level::error:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

level from_spdlog(spdlog::level::level_enum l) {
  switch (l) {
    case spdlog::level::trace:
      return level::trace;
    case spdlog::level::debug:
      return level::debug;
    case spdlog::level::info:
      return level::info;
    case spdlog::level::warn:
      return level::warn;
    default:
      return level::error;
  }
}

/// "2024-05-01T12:00:00.123Z"
std::string iso_utc(std::chrono::system_clock::time_point t) {
  auto since = t.time_since_epoch();
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(since);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(since - secs).count();
  std::time_t tt = static_cast<std::time_t>(secs.count());
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

/// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is not one.
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  std::size_t n = 0;
  unsigned min = 0;
  unsigned cp = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2, min = 0x80, cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3, min = 0x800, cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4, min = 0x10000, cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

/// A text field value: bare when it is one plain word, else quoted like JSON.
void append_text_value(std::string& out, std::string_view v) {
  bool plain = !v.empty();
  for (char c : v)
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20)
      plain = false;
  if (plain) {
    out.append(v);
    return;
  }
  out.push_back('"');
  append_json_escaped(out, v);
  out.push_back('"');
}

bool reserved_key(std::string_view k) {
  return k == "ts" || k == "level" || k == "msg";
}

class line_formatter final : public spdlog::formatter {
 public:
  explicit line_formatter(line_format format) : format_(format) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    static const fields none;
    const fields& f = current_fields ? *current_fields : none;
    auto line = render_line(format_, iso_utc(msg.time), from_spdlog(msg.level),
                            std::string_view(msg.payload.data(), msg.payload.size()), f);
    dest.append(line.data(), line.data() + line.size());
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<line_formatter>(format_);
  }

 private:
  line_format format_;
};

}  // namespace

std::string_view to_string(level l) {
  switch (l) {
    case level::trace:
      return "trace";
    case level::debug:
      return "debug";
    case level::info:
      return "info";
    case level::warn:
      return "warn";
    case level::error:
      return "error";
  }
  return "info";
}

std::optional<level> parse_level(std::string_view name) {
  for (auto l : {level::trace, level::debug, level::info, level::warn, level::error})
    if (name == to_string(l)) return l;
  return std::nullopt;
}

std::optional<line_format> parse_format(std::string_view name) {
  if (name == "json") return line_format::json;
  if (name == "text") return line_format::text;
  return std::nullopt;
}

fields& fields::add(std::string_view key, std::string_view value) {
  return put(key, std::string(value), false);
}

fields& fields::add(std::string_view key, double value) {
  if (!std::isfinite(value))
    return put(key, std::isnan(value) ? "NaN" : value > 0 ? "+Inf" : "-Inf", false);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", value);
  return put(key, buf, true);
}

fields& fields::put(std::string_view key, std::string value, bool number) {
  for (auto& e : entries_)
    if (e.key == key) {
      e.value = std::move(value);
      e.number = number;
      return *this;
    }
  entries_.push_back({std::string(key), std::move(value), number});
  return *this;
}

void append_json_escaped(std::string& out, std::string_view text) {
  static const char hex[] = "0123456789abcdef";
  for (std::size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      std::size_t n = utf8_sequence(text, i);
      if (n == 0) {
        out.append("\\ufffd");
        ++i;
      } else {
        out.append(text.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default:
        if (c < 0x20) {
          out.append("\\u00");
          out.push_back(hex[c >> 4]);
          out.push_back(hex[c & 0xF]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
}

std::string render_line(line_format format, std::string_view ts, level l, std::string_view msg,
                        const fields& f) {
  std::string out;
  out.reserve(96 + msg.size());
  if (format == line_format::text) {
    out.append(ts).append(" ").append(to_string(l));
    out.append(6 - to_string(l).size(), ' ');
    for (char c : msg) out.push_back(c == '\n' || c == '\r' ? ' ' : c);
    for (const auto& e : f.entries()) {
      out.append(" ").append(e.key).append("=");
      append_text_value(out, e.value);
    }
    out.push_back('\n');
    return out;
  }
  out.append("{\"ts\":\"");
  append_json_escaped(out, ts);
  out.append("\",\"level\":\"").append(to_string(l)).append("\",\"msg\":\"");
  append_json_escaped(out, msg);
  out.push_back('"');
  for (const auto& e : f.entries()) {
    out.append(",\"");
    if (reserved_key(e.key)) out.append("field_");
    append_json_escaped(out, e.key);
    out.append("\":");
    if (e.number) {
      out.append(e.value);
    } else {
      out.push_back('"');
      append_json_escaped(out, e.value);
      out.push_back('"');
    }
  }
  out.append("}\n");
  return out;
}

void configure(line_format format, level min_level, std::ostream* out) {
  spdlog::sink_ptr sink;
  if (out)
    sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(*out, true);
  else
    sink = std::make_shared<spdlog::sinks::stdout_sink_mt>();
  auto logger = std::make_shared<spdlog::logger>("dialer", std::move(sink));
  logger->set_formatter(std::make_unique<line_formatter>(format));
  logger->set_level(to_spdlog(min_level));
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
  spdlog::flush_every(std::chrono::seconds(1));
}

void log_event(level l, std::string_view msg, const fields& f) {
  auto* logger = spdlog::default_logger_raw();
  auto lvl = to_spdlog(l);
  if (!logger->should_log(lvl)) return;
  const fields* outer = current_fields;
  current_fields = &f;
  try {
    logger->log(lvl, spdlog::string_view_t(msg.data(), msg.size()));
  } catch (...) {
    // A log line that cannot be written must not take its caller down.
  }
  current_fields = outer;
}

}  // namespace dialer::log

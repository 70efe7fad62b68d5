#include "core/engine_config.hpp"

#include <charconv>
#include <functional>

namespace dialer {
namespace {

using setter = std::function<std::string(engine_config&, const std::string&)>;

std::string set_int(std::int64_t& slot, const std::string& v, std::int64_t min, std::int64_t max) {
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (v.empty() || ec != std::errc{} || end != v.data() + v.size()) return "must be an integer";
  if (n < min || n > max)
    return "must be between " + std::to_string(min) + " and " + std::to_string(max);
  slot = n;
  return {};
}

std::string set_listen(engine_config& c, const std::string& v) {
  auto colon = v.rfind(':');
  if (colon == std::string::npos || colon == 0) return "must be host:port, e.g. 127.0.0.1:8080";
  std::int64_t port = 0;
  auto err = set_int(port, v.substr(colon + 1), 0, 65535);
  if (!err.empty()) return "port " + err;
  c.listen_host = v.substr(0, colon);
  c.listen_port = static_cast<std::uint16_t>(port);
  return {};
}

std::string set_url(std::string& slot, const std::string& v) {
  if (v.rfind("http://", 0) != 0 && v.rfind("https://", 0) != 0)
    return "must start with http:// or https://";
  slot = v;
  while (!slot.empty() && slot.back() == '/') slot.pop_back();
  return {};
}

std::string set_log_level(engine_config& c, const std::string& v) {
  for (const char* l : {"trace", "debug", "info", "warn", "error"})
    if (v == l) {
      c.log_level = v;
      return {};
    }
  return "must be one of trace, debug, info, warn, error";
}

struct key_rule {
  config_key doc;
  setter apply;
};

const std::vector<key_rule>& rules() {
  static const std::vector<key_rule> all = {
      {{"listen", "DIALER_LISTEN", "host:port the HTTP API listens on (port 0: any free port)"},
       set_listen},
      {{"database_url", "DATABASE_URL", "PostgreSQL URI or libpq string; empty: PG* variables"},
       [](engine_config& c, const std::string& v) {
         c.database_url = v;
         return std::string();
       }},
      {{"database_pool_size", nullptr, "PostgreSQL connections the engine keeps open"},
       [](engine_config& c, const std::string& v) {
         return set_int(c.database_pool_size, v, 2, 200);
       }},
      {{"jwt_secret", "JWT_SECRET", "HS256 secret for API tokens (at least 16 characters)"},
       [](engine_config& c, const std::string& v) {
         if (v.size() < 16) return std::string("must have at least 16 characters");
         c.jwt_secret = v;
         return std::string();
       }},
      {{"token_ttl_s", nullptr, "lifetime of issued API tokens, seconds"},
       [](engine_config& c, const std::string& v) {
         return set_int(c.token_ttl_s, v, 60, 30 * 86'400);
       }},
      {{"log.level", "DIALER_LOG_LEVEL", "lowest level logged: trace, debug, info, warn or error"},
       set_log_level},
      {{"log.format", "DIALER_LOG_FORMAT",
        "log lines: json (one object per line) or text (readable)"},
       [](engine_config& c, const std::string& v) {
         if (v != "json" && v != "text") return std::string("must be json or text");
         c.log_format = v;
         return std::string();
       }},
      {{"log_level", nullptr, "older spelling of log.level"}, set_log_level},
      {{"retell.base_url", "RETELL_BASE_URL", "provider API base URL"},
       [](engine_config& c, const std::string& v) { return set_url(c.retell_base_url, v); }},
      {{"retell.api_key", "RETELL_API_KEY", "platform provider API key (also signs webhooks)"},
       [](engine_config& c, const std::string& v) {
         if (v.empty()) return std::string("must not be empty");
         c.retell_api_key = v;
         return std::string();
       }},
      {{"compliance.country_rules_file", "DIALER_COUNTRY_RULES",
        "country rules JSON (empty: the built-in config/country_rules.json)"},
       [](engine_config& c, const std::string& v) {
         c.country_rules_file = v;
         return std::string();
       }},
      {{"compliance.phone_zones_file", nullptr,
        "phone prefix to time zone JSON (empty: the built-in config/phone_prefix_timezones.json)"},
       [](engine_config& c, const std::string& v) {
         c.phone_zones_file = v;
         return std::string();
       }},
      {{"retell.timeout_ms", nullptr, "timeout of one provider request, ms"},
       [](engine_config& c, const std::string& v) {
         return set_int(c.retell_timeout_ms, v, 100, 120'000);
       }},
      {{"retell.concurrency_limit", nullptr,
        "lines the platform provider account may use at once (0: read from the provider's "
        "get-concurrency at start; nothing is dialled until it is known)"},
       [](engine_config& c, const std::string& v) {
         return set_int(c.retell_concurrency_limit, v, 0, 1'000'000);
       }},
      {{"retell.unregistered_number_calls_per_second", nullptr,
        "calls per second from a caller number the tenant has not registered (a registered "
        "number's calls_per_second applies otherwise)"},
       [](engine_config& c, const std::string& v) {
         return set_int(c.retell_unregistered_number_calls_per_second, v, 1, 1000);
       }},
      {{"engine.scheduler_threads", nullptr, "CAF worker threads"},
       [](engine_config& c, const std::string& v) {
         return set_int(c.scheduler_threads, v, 1, 64);
       }},
      {{"engine.scheduler_policy", nullptr,
        "how idle CAF workers wait: sharing (one queue, sleep until work) or stealing (poll "
        "each other's queues)"},
       [](engine_config& c, const std::string& v) {
         if (v != "sharing" && v != "stealing") return std::string("must be sharing or stealing");
         c.scheduler_policy = v;
         return std::string();
       }},
      {{"engine.storage_threads", nullptr, "threads running the engine's database work"},
       [](engine_config& c, const std::string& v) { return set_int(c.storage_threads, v, 1, 64); }},
      {{"engine.journal_writers", nullptr,
        "threads writing the journal in group commits (0: every write commits alone)"},
       [](engine_config& c, const std::string& v) { return set_int(c.journal_writers, v, 0, 8); }},
      {{"engine.http_workers", nullptr, "threads running the API handlers' database work"},
       [](engine_config& c, const std::string& v) { return set_int(c.http_workers, v, 1, 64); }},
      {{"engine.io_threads", nullptr, "threads running HTTP and provider I/O"},
       [](engine_config& c, const std::string& v) { return set_int(c.io_threads, v, 1, 16); }},
      {{"engine.hopper_batch", nullptr, "leads fetched per hopper refill"},
       [](engine_config& c, const std::string& v) {
         return set_int(c.hopper_batch, v, 1, 10'000);
       }},
      {{"engine.standby_dials", nullptr,
        "dials each campaign journals ahead of a free line, sent the moment one frees (0: none)"},
       [](engine_config& c, const std::string& v) { return set_int(c.standby_dials, v, 0, 100); }},
      {{"engine.standby_max_age_ms", nullptr,
        "a standby dial older than this when a line frees is withdrawn, not sent, ms"},
       [](engine_config& c, const std::string& v) {
         return set_int(c.standby_max_age_ms, v, 100, 3'600'000);
       }},
      {{"engine.call_grace_ms", nullptr, "wait for call_analyzed after a call ended, ms"},
       [](engine_config& c, const std::string& v) {
         return set_int(c.call_grace_ms, v, 0, 3'600'000);
       }},
      {{"engine.idle_recheck_ms", nullptr, "longest sleep of a campaign with nothing due, ms"},
       [](engine_config& c, const std::string& v) {
         return set_int(c.idle_recheck_ms, v, 10, 3'600'000);
       }},
      {{"http.max_body_bytes", nullptr, "largest request body accepted (else 413)"},
       [](engine_config& c, const std::string& v) {
         return set_int(c.max_body_bytes, v, 1024, 1LL << 30);
       }},
      {{"http.read_timeout_ms", nullptr, "time allowed to send one whole request, ms"},
       [](engine_config& c, const std::string& v) {
         return set_int(c.read_timeout_ms, v, 100, 600'000);
       }},
      {{"http.tenant_requests_per_second", nullptr,
        "API requests per second allowed per tenant, beyond the burst (0: unlimited; else 429)"},
       [](engine_config& c, const std::string& v) {
         return set_int(c.tenant_requests_per_second, v, 0, 1'000'000);
       }},
      {{"http.tenant_request_burst", nullptr,
        "API requests a tenant may send at once before the rate applies"},
       [](engine_config& c, const std::string& v) {
         return set_int(c.tenant_request_burst, v, 1, 1'000'000);
       }},
      {{"http.websocket_queue_events", nullptr,
        "live events queued per WebSocket client; a client that falls further behind is closed "
        "with 1013"},
       [](engine_config& c, const std::string& v) {
         return set_int(c.websocket_queue_events, v, 1, 1'000'000);
       }},
      {{"http.websocket_ping_s", nullptr,
        "WebSocket keep-alive: ping after half this many idle seconds, drop after all of them"},
       [](engine_config& c, const std::string& v) {
         return set_int(c.websocket_ping_s, v, 2, 3600);
       }},
  };
  return all;
}

}  // namespace

const std::vector<config_key>& config_keys() {
  static const std::vector<config_key> keys = [] {
    std::vector<config_key> k;
    for (const auto& r : rules()) k.push_back(r.doc);
    return k;
  }();
  return keys;
}

config_result build_engine_config(const std::map<std::string, std::string>& file_values,
                                  const std::map<std::string, std::string>& env) {
  config_result out;
  for (const auto& [key, value] : file_values) {
    const key_rule* rule = nullptr;
    for (const auto& r : rules())
      if (key == r.doc.name) rule = &r;
    if (!rule) {
      out.errors.push_back("unknown configuration key '" + key + "'");
      continue;
    }
    auto err = rule->apply(out.config, value);
    if (!err.empty()) out.errors.push_back(key + ": " + err);
  }
  for (const auto& r : rules()) {
    if (!r.doc.env) continue;
    auto it = env.find(r.doc.env);
    if (it == env.end()) continue;
    auto err = r.apply(out.config, it->second);
    if (!err.empty()) out.errors.push_back(std::string(r.doc.env) + ": " + err);
  }
  if (out.config.jwt_secret.empty())
    out.errors.push_back("jwt_secret is required (or set JWT_SECRET)");
  if (out.config.retell_api_key.empty())
    out.errors.push_back("retell.api_key is required (or set RETELL_API_KEY)");
  return out;
}

}  // namespace dialer

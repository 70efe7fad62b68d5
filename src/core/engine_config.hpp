#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace dialer {

/// Every setting of dialerd, with its default. Documented in README.md ("Configuration").
struct engine_config {
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 8080;
  std::string database_url;  ///< empty: libpq's PG* environment variables
  std::int64_t database_pool_size = 16;
  std::string jwt_secret;
  std::int64_t token_ttl_s = 86'400;
  std::string log_level = "info";   ///< trace, debug, info, warn, error
  std::string log_format = "json";  ///< json (one object per line) or text
  std::string retell_base_url = "https://api.retellai.com";
  std::string retell_api_key;
  std::int64_t retell_timeout_ms = 10'000;
  std::string country_rules_file;  ///< empty: the built-in config/country_rules.json
  std::string phone_zones_file;    ///< empty: the built-in config/phone_prefix_timezones.json
  /// Lines of the platform account; 0: read from the provider (get-concurrency) at start.
  std::int64_t retell_concurrency_limit = 0;
  /// Calls per second from a caller number the tenant has not registered (a registered
  /// number's own calls_per_second applies otherwise).
  std::int64_t retell_unregistered_number_calls_per_second = 1;
  std::int64_t scheduler_threads = 2;
  std::string scheduler_policy = "sharing";  ///< sharing or stealing (CAF's work stealing)
  std::int64_t storage_threads = 32;
  std::int64_t journal_writers = 4;  ///< group-commit writer threads of the journal; 0: none
  std::int64_t http_workers = 4;
  std::int64_t io_threads = 1;
  std::int64_t hopper_batch = 200;
  std::int64_t standby_dials = 8;  ///< dials journalled ahead per campaign; 0: none
  std::int64_t standby_max_age_ms = 10'000;
  std::int64_t call_grace_ms = 30'000;
  std::int64_t idle_recheck_ms = 30'000;
  std::int64_t max_body_bytes = 1 << 20;
  std::int64_t read_timeout_ms = 10'000;
  std::int64_t tenant_requests_per_second = 50;  ///< 0: no per-tenant request rate limit
  std::int64_t tenant_request_burst = 100;
  std::int64_t websocket_queue_events = 1024;  ///< per WebSocket client; past it: close 1013
  std::int64_t websocket_ping_s = 30;  ///< WebSocket keep-alive (ping at half, drop at whole)
};

/// One documented key of the configuration file.
struct config_key {
  const char* name;         ///< dotted name: "retell.api_key"
  const char* env;          ///< environment variable that overrides it, or nullptr
  const char* description;  ///< one line for the README and --help
};

/// Every key the configuration accepts, in documentation order.
const std::vector<config_key>& config_keys();

/// The configuration built from the file's values (dotted keys, values as text) overridden by
/// the environment; `errors` names each unknown key, bad value or missing required setting.
struct config_result {
  engine_config config;
  std::vector<std::string> errors;
};

/// Builds the configuration: defaults, then `file_values`, then `env`; validates everything.
config_result build_engine_config(const std::map<std::string, std::string>& file_values,
                                  const std::map<std::string, std::string>& env);

}  // namespace dialer

#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "retell_sim/sim_settings.hpp"

namespace dialer::sim {

/// Start-up options of the retell_sim binary; `settings` may change later via /sim/config.
struct sim_options {
  std::string listen_host = "127.0.0.1";
  unsigned short listen_port = 0;  ///< 0: any free port (printed as "LISTENING <port>")
  std::string api_key;             ///< required: Bearer key for /v2 calls and signing key
  std::uint64_t seed = 1;
  std::size_t webhook_connections = 32;     ///< keep-alive connections to the webhook target
  std::int64_t webhook_timeout_ms = 10000;  ///< per delivery attempt
  int webhook_retries = 3;                  ///< retries after the first attempt
  std::int64_t webhook_backoff_ms = 100;    ///< first retry delay, doubled each retry
  sim_settings settings;
};

/// The outcome of reading the command line: options, a request for help, or an error.
struct command_line_result {
  std::optional<sim_options> options;
  bool help = false;
  std::string error;  ///< set when neither options nor help
};

/// Parses the arguments after argv[0]; accepts "--name value" and "--name=value".
command_line_result parse_command_line(const std::vector<std::string>& args);

/// The --help text.
std::string usage_text();

}  // namespace dialer::sim

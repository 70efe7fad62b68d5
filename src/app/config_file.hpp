#pragma once

#include <map>
#include <string>

namespace dialer::app {

/// Reads a TOML configuration file into dotted keys ("retell.api_key") with values as text.
/// Throws std::runtime_error with the file's parse error when it is not valid TOML or holds
/// arrays or nested tables deeper than one level.
std::map<std::string, std::string> read_config_file(const std::string& path);

/// The process environment as a map.
std::map<std::string, std::string> environment();

}  // namespace dialer::app

#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace dialer::sim {

/// A plain-HTTP URL split into what a client needs to connect and send.
struct http_url {
  std::string host;
  std::string port = "80";
  std::string target = "/";  ///< path and query, always starting with '/'
};

/// Parses "http://host[:port][/path]"; nullopt for other schemes, empty hosts or bad ports.
/// IPv6 literals go in brackets: "http://[::1]:8080/hook".
std::optional<http_url> parse_http_url(std::string_view text);

/// Parses "host:port" (port 0..65535; "[v6]:port" for IPv6); nullopt when malformed.
std::optional<std::pair<std::string, unsigned short>> parse_host_port(std::string_view text);

}  // namespace dialer::sim

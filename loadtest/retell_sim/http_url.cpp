#include "retell_sim/http_url.hpp"

#include <charconv>

namespace dialer::sim {
namespace {

std::optional<unsigned short> parse_port(std::string_view text) {
  unsigned value = 0;
  if (text.empty() || text.size() > 5) return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value > 65535) return std::nullopt;
  return static_cast<unsigned short>(value);
}

// Splits "host[:port]" (host may be a bracketed IPv6 literal); port empty when absent.
std::optional<std::pair<std::string_view, std::string_view>> split_authority(
    std::string_view authority) {
  std::string_view host, port;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = authority.substr(1, close - 1);
    auto rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port = rest.substr(1);
      if (port.empty()) return std::nullopt;
    }
  } else {
    auto colon = authority.rfind(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      if (port.empty()) return std::nullopt;
    }
  }
  if (host.empty() || host.find_first_of(" /?#@") != std::string_view::npos) return std::nullopt;
  return std::make_pair(host, port);
}

}  // namespace

std::optional<http_url> parse_http_url(std::string_view text) {
  constexpr std::string_view scheme = "http://";
  if (text.substr(0, scheme.size()) != scheme) return std::nullopt;
  text.remove_prefix(scheme.size());
  auto slash = text.find_first_of("/?");
  std::string_view authority = text.substr(0, slash);
  auto parts = split_authority(authority);
  if (!parts) return std::nullopt;
  http_url url;
  url.host = std::string(parts->first);
  if (!parts->second.empty()) {
    auto port = parse_port(parts->second);
    if (!port || *port == 0) return std::nullopt;
    url.port = std::to_string(*port);
  }
  if (slash != std::string_view::npos) {
    url.target = std::string(text.substr(slash));
    if (url.target.front() == '?') url.target.insert(url.target.begin(), '/');
  }
  if (url.target.find_first_of(" \r\n") != std::string::npos) return std::nullopt;
  return url;
}

std::optional<std::pair<std::string, unsigned short>> parse_host_port(std::string_view text) {
  auto parts = split_authority(text);
  if (!parts || parts->second.empty()) return std::nullopt;
  auto port = parse_port(parts->second);
  if (!port) return std::nullopt;
  return std::make_pair(std::string(parts->first), *port);
}

}  // namespace dialer::sim

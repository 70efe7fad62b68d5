#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.hpp"

namespace dialer::http {

/// Maps method + path pattern ("/api/v1/campaigns/{id}/start") to handlers.
class router {
 public:
  /// Registers a handler; `{name}` segments match one path segment into path_params.
  /// `max_body_bytes`, when given, replaces the server's body limit for this route.
  void add(std::string method, std::string pattern, handler h,
           std::optional<std::size_t> max_body_bytes = std::nullopt);

  /// Dispatches: 404 RESOURCE_NOT_FOUND when no pattern matches the path, 405
  /// METHOD_NOT_ALLOWED when the path matches under another method.
  void route(request&& req, responder respond) const;

  /// Every registered (method, pattern), in registration order.
  std::vector<std::pair<std::string, std::string>> routes() const;

  /// The body limit of the route that would handle `method` on `target`, if it has its own.
  std::optional<std::size_t> body_limit(std::string_view method, std::string_view target) const;

  /// The largest body limit any route has of its own (0 when none has).
  std::size_t largest_body_limit() const;

 private:
  struct entry {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    handler fn;
    std::optional<std::size_t> max_body_bytes;
  };

  /// The best entry for `method` on these path segments; other methods matching the path
  /// are added to `allowed` when it is given.
  const entry* match(std::string_view method, const std::vector<std::string>& segments,
                     std::vector<std::string>* allowed) const;

  std::vector<entry> entries_;
};

}  // namespace dialer::http

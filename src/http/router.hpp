#pragma once

#include <string>
#include <vector>

#include "http/message.hpp"

namespace dialer::http {

/// Maps method + path pattern ("/api/v1/campaigns/{id}/start") to handlers.
class router {
 public:
  /// Registers a handler; `{name}` segments match one path segment into path_params.
  void add(std::string method, std::string pattern, handler h);

  /// Dispatches: 404 RESOURCE_NOT_FOUND when no pattern matches the path, 405
  /// METHOD_NOT_ALLOWED when the path matches under another method.
  void route(request&& req, responder respond) const;

  /// Every registered (method, pattern), in registration order.
  std::vector<std::pair<std::string, std::string>> routes() const;

 private:
  struct entry {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    handler fn;
  };
  std::vector<entry> entries_;
};

}  // namespace dialer::http

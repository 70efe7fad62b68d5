#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/validation.hpp"

namespace dialer::http {

/// An HTTP request as handlers see it: already fully read, independent of Beast.
struct request {
  std::string method;                              ///< "GET", "POST", ...
  std::string target;                              ///< path and query as received
  std::string path;                                ///< percent-decoded path without the query
  std::multimap<std::string, std::string> query;   ///< decoded query parameters
  std::map<std::string, std::string> headers;      ///< names lower-cased
  std::map<std::string, std::string> path_params;  ///< filled by the router from {name} parts
  std::string body;                                ///< the exact raw body bytes
  std::string request_id;                          ///< "req_..." assigned by the server

  /// The header's value, or "" when absent (name is matched case-insensitively).
  std::string header(std::string_view name) const;
  /// The first value of a query parameter, or nullptr when absent.
  const std::string* query_param(const std::string& name) const;
};

class websocket_channel;

/// Takes over a connection upgraded to WebSocket; runs on the connection's strand once the
/// handshake is done.
using websocket_acceptor = std::function<void(std::shared_ptr<websocket_channel>)>;

/// An HTTP response built by a handler.
struct response {
  unsigned status = 200;
  std::string body;
  std::string content_type = "application/json; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;  ///< extra headers
  std::int64_t tenant_id = 0;  ///< the tenant the request acted for (access log; never sent)
  /// Set: accept the request's WebSocket upgrade (status, body and headers are not sent) and
  /// hand the connection here. A request that asked for no upgrade gets 426 instead.
  websocket_acceptor upgrade;
};

/// Completes a request. Thread-safe; call exactly once, from any thread.
using responder = std::function<void(response)>;

/// Handles one request; may answer later from another thread through the responder.
using handler = std::function<void(request&&, responder)>;

/// The error body of API.md: {"error": {code, message, details, request_id}}. Field errors,
/// when given, go in details as {"fields": [{"field", "message"}...]}.
response error_response(unsigned status, std::string_view code, std::string_view message,
                        std::string_view request_id, const field_errors& fields = {});
/// The same error body with `details_json` (the text of a JSON object) as its details.
response error_response_with_details(unsigned status, std::string_view code,
                                     std::string_view message, std::string_view request_id,
                                     std::string_view details_json);

}  // namespace dialer::http

#pragma once

#include <string>
#include <vector>

namespace dialer::http {

/// How a documented operation is authorised.
enum class route_access {
  none,       ///< open
  bearer,     ///< a JWT or API key of any role (viewers: GET only)
  admin,      ///< a JWT or API key with the admin role
  signature,  ///< a provider webhook signed with x-retell-signature
};

/// One operation of the API as /openapi.json documents it.
struct route_doc {
  const char* method;
  const char* path;  ///< the router's pattern, "{name}" for path parameters
  const char* tag;
  const char* summary;
  route_access access;
  const char* request_body;  ///< component schema of the JSON body, "csv" for CSV, or nullptr
  unsigned success;          ///< status of the answer when it works
  const char*
      response_body;  ///< component schema of that answer, "text" for plain text, or nullptr
  std::vector<const char*> query;  ///< "name:type" (type: integer, string, date-time)
  std::vector<unsigned> errors;    ///< error statuses the operation can answer
};

/// Every documented operation: /openapi.json lists exactly these, and the tests check that
/// they are exactly the routes the server registers.
const std::vector<route_doc>& documented_routes();

/// The OpenAPI 3.0 document of the API as JSON text.
std::string openapi_document();

}  // namespace dialer::http

#pragma once

#include <string_view>

#include "retell_sim/sim_provider.hpp"

namespace dialer::sim {

/// The parts of an HTTP request the simulator looks at.
struct api_request {
  std::string_view method;         ///< "GET", "POST", ...
  std::string_view target;         ///< path and optional query
  std::string_view authorization;  ///< the Authorization header, possibly empty
  std::string_view body;
};

/// Maps a request to the provider call it names: POST /v2/create-phone-call,
/// GET /v2/get-call/{id}, POST /v2/list-calls, POST /v3/list-calls (the current SDK's paged
/// form), GET /get-concurrency (also /v2/get-concurrency), GET /sim/record, GET|POST /sim/config,
/// POST /sim/reset. /v2/* and /get-concurrency need the Bearer
/// key (401 otherwise); /sim/* do not. Unknown paths: 404; known path, wrong method: 405.
api_reply route_request(sim_provider& provider, const api_request& request);

}  // namespace dialer::sim

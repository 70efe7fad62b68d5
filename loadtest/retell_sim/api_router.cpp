#include "retell_sim/api_router.hpp"

#include "retell_sim/call_json.hpp"

namespace dialer::sim {
namespace {

api_reply error_reply(unsigned status, std::string_view message) {
  api_reply r;
  r.status = status;
  r.body = error_json(message);
  return r;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

}  // namespace

api_reply route_request(sim_provider& provider, const api_request& request) {
  const std::string_view path = request.target.substr(0, request.target.find('?'));
  const std::string_view method = request.method;

  if (starts_with(path, "/sim/")) {
    if (path == "/sim/record") {
      // "?summary=1" leaves the creates list out (cheap to poll during big runs).
      const bool summary = request.target.find("summary=1") != std::string_view::npos;
      if (method == "GET") return provider.record(!summary);
    } else if (path == "/sim/config") {
      if (method == "GET") return provider.config();
      if (method == "POST") return provider.configure(request.body);
    } else if (path == "/sim/reset") {
      if (method == "POST") return provider.reset();
    } else {
      return error_reply(404, "Not found");
    }
    return error_reply(405, "Method not allowed");
  }

  enum class endpoint { none, create, get, list, list_paged, concurrency } which = endpoint::none;
  std::string_view expected_method;
  if (path == "/v2/create-phone-call") {
    which = endpoint::create;
    expected_method = "POST";
  } else if (starts_with(path, "/v2/get-call/")) {
    which = endpoint::get;
    expected_method = "GET";
  } else if (path == "/v2/list-calls") {
    which = endpoint::list;
    expected_method = "POST";
  } else if (path == "/v3/list-calls") {
    which = endpoint::list_paged;
    expected_method = "POST";
  } else if (path == "/get-concurrency" || path == "/v2/get-concurrency") {
    which = endpoint::concurrency;
    expected_method = "GET";
  }
  if (which == endpoint::none) return error_reply(404, "Not found");
  if (!provider.authorized(request.authorization))
    return error_reply(401, "Unauthorized: missing or invalid API key");
  if (method != expected_method) return error_reply(405, "Method not allowed");

  switch (which) {
    case endpoint::create:
      return provider.create_phone_call(request.body);
    case endpoint::get: {
      std::string_view id = path.substr(std::string_view("/v2/get-call/").size());
      if (id.empty() || id.find('/') != std::string_view::npos)
        return error_reply(422, "Call not found");
      return provider.get_call(id);
    }
    case endpoint::list:
      return provider.list_calls(request.body);
    case endpoint::list_paged:
      return provider.list_calls(request.body, true);
    case endpoint::concurrency:
      return provider.concurrency();
    case endpoint::none:
      break;
  }
  return error_reply(404, "Not found");
}

}  // namespace dialer::sim

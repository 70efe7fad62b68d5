#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "actors/engine.hpp"
#include "actors/engine_metrics.hpp"
#include "http/api_support.hpp"
#include "http/handlers.hpp"
#include "http/openapi.hpp"
#include "storage/database.hpp"

namespace dialer::http {

void add_operation_routes(router& r, api_context& api) {
  r.add("GET", "/healthz", [](request&&, responder respond) {
    respond(json_response(200, [](json_writer& w) {
      w.StartObject();
      put(w, "status", "ok");
      w.EndObject();
    }));
  });
  r.add("GET", "/readyz", unauthenticated(api, [&api](const request&) {
          bool db = api.db.reachable();
          bool actors = api.engine.running();
          return json_response(db && actors ? 200 : 503, [&](json_writer& w) {
            w.StartObject();
            w.Key("database");
            w.Bool(db);
            w.Key("actors");
            w.Bool(actors);
            w.EndObject();
          });
        }));
  r.add("GET", "/metrics", [&api](request&&, responder respond) {
    response res;
    res.content_type = "text/plain; version=0.0.4; charset=utf-8";
    res.body = prometheus::TextSerializer().Serialize(api.metrics.collect());
    respond(std::move(res));
  });
  auto document = std::make_shared<const std::string>(openapi_document());
  r.add("GET", "/api/v1/openapi.json", [document](request&&, responder respond) {
    response res;
    res.body = *document;
    respond(std::move(res));
  });
}

}  // namespace dialer::http

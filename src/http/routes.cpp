#include "http/handlers.hpp"

namespace dialer::http {

void register_routes(router& r, api_context& api) {
  add_operation_routes(r, api);
  add_account_routes(r, api);
  add_access_routes(r, api);
  add_catalog_routes(r, api);
  add_lead_routes(r, api);
  add_campaign_routes(r, api);
  add_call_routes(r, api);
  add_webhook_routes(r, api);
  add_summary_routes(r, api);
  add_compliance_routes(r, api);
  add_event_routes(r, api);
}

}  // namespace dialer::http

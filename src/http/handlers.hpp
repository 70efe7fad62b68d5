#pragma once

#include "http/api.hpp"
#include "http/router.hpp"

namespace dialer::http {

/// /auth/register, /auth/login, /auth/me.
void add_account_routes(router& r, api_context& api);
/// /agents and /numbers.
void add_catalog_routes(router& r, api_context& api);
/// /leads.
void add_lead_routes(router& r, api_context& api);
/// /campaigns, their commands and stats.
void add_campaign_routes(router& r, api_context& api);
/// /calls, including POST /calls/outbound.
void add_call_routes(router& r, api_context& api);
/// /webhooks/retell.
void add_webhook_routes(router& r, api_context& api);
/// /healthz, /readyz, /metrics, /openapi.json.
void add_operation_routes(router& r, api_context& api);
/// /api-keys and /settings/provider.
void add_access_routes(router& r, api_context& api);
/// /metrics/daily, /metrics/outcomes, /metrics/concurrency, /metrics/cost/today.
void add_summary_routes(router& r, api_context& api);
/// /compliance/check, /compliance/rules, /compliance/dnc.
void add_compliance_routes(router& r, api_context& api);
/// /ws: live events over WebSocket.
void add_event_routes(router& r, api_context& api);

}  // namespace dialer::http

#include "http/openapi.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cctype>
#include <map>
#include <string_view>

namespace dialer::http {
namespace {

using writer = rapidjson::Writer<rapidjson::StringBuffer>;

/// Reusable schemas (components.schemas), as JSON text.
constexpr std::string_view schemas = R"json({
  "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object",
    "required": ["code", "message", "details", "request_id"], "properties": {
      "code": {"type": "string", "example": "CAMPAIGN_NOT_FOUND"},
      "message": {"type": "string"},
      "details": {"type": "object", "properties": {"fields": {"type": "array", "items": {
        "type": "object", "properties": {"field": {"type": "string"}, "message": {"type": "string"}}}}}},
      "request_id": {"type": "string", "example": "req_0123456789abcdef"}}}}},
  "Register": {"type": "object", "required": ["email", "password", "name", "company"], "properties": {
    "email": {"type": "string", "format": "email"}, "password": {"type": "string", "minLength": 8},
    "name": {"type": "string"}, "company": {"type": "string"}}},
  "Registered": {"type": "object", "properties": {"token": {"type": "string"},
    "tenant_id": {"type": "integer"}, "user_id": {"type": "integer"}}},
  "Login": {"type": "object", "required": ["email", "password"], "properties": {
    "email": {"type": "string"}, "password": {"type": "string"}}},
  "LoggedIn": {"type": "object", "properties": {"token": {"type": "string"},
    "tenant_id": {"type": "integer"}, "user_id": {"type": "integer"}, "is_admin": {"type": "boolean"},
    "role": {"$ref": "#/components/schemas/Role"}}},
  "Me": {"type": "object", "properties": {"user_id": {"type": "integer"}, "tenant_id": {"type": "integer"},
    "email": {"type": "string"}, "name": {"type": "string"}, "is_admin": {"type": "boolean"},
    "role": {"$ref": "#/components/schemas/Role"}, "api_key_id": {"type": "integer", "nullable": true}}},
  "Role": {"type": "string", "enum": ["admin", "user", "viewer"]},
  "ApiKeyInput": {"type": "object", "properties": {"name": {"type": "string"},
    "role": {"$ref": "#/components/schemas/Role"}}},
  "ApiKey": {"type": "object", "properties": {"id": {"type": "integer"},
    "key": {"type": "string", "description": "The secret, in the creation answer only", "example": "dk_..."},
    "name": {"type": "string"}, "role": {"$ref": "#/components/schemas/Role"},
    "prefix": {"type": "string"}, "created_by": {"type": "integer"},
    "created_at": {"type": "string", "format": "date-time"}}},
  "ApiKeyList": {"type": "object", "properties": {"total": {"type": "integer"},
    "items": {"type": "array", "items": {"$ref": "#/components/schemas/ApiKey"}}}},
  "ProviderSettingsInput": {"type": "object", "required": ["retell_api_key"], "properties": {
    "retell_api_key": {"type": "string", "nullable": true, "description": "null: back to the platform account"},
    "retell_base_url": {"type": "string", "nullable": true}}},
  "ProviderSettings": {"type": "object", "properties": {"retell_api_key_set": {"type": "boolean"},
    "account": {"type": "string", "enum": ["own", "platform"]},
    "retell_base_url": {"type": "string", "nullable": true},
    "webhook_url_path": {"type": "string", "example": "/api/v1/webhooks/retell/3f2a..."}}},
  "TenantLimitsInput": {"type": "object", "properties": {
    "max_concurrent_calls": {"type": "integer", "minimum": 1, "nullable": true, "description": "calls at once across the tenant's campaigns; null: no limit; absent: unchanged"},
    "monthly_budget_cents": {"type": "integer", "minimum": 0, "nullable": true, "description": "spend per UTC calendar month; null: no limit; absent: unchanged"}}},
  "TenantLimits": {"type": "object", "properties": {
    "max_concurrent_calls": {"type": "integer", "nullable": true},
    "monthly_budget_cents": {"type": "integer", "nullable": true},
    "month_spent_cents": {"type": "integer", "description": "cost of the tenant's calls that ended this UTC month"}}},
  "AgentInput": {"type": "object", "properties": {"name": {"type": "string"},
    "retell_agent_id": {"type": "string"}, "lang": {"type": "string"}, "voice_id": {"type": "string"}}},
  "Agent": {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
    "retell_agent_id": {"type": "string"}, "lang": {"type": "string"}, "voice_id": {"type": "string"},
    "created_at": {"type": "string", "format": "date-time"}}},
  "AgentList": {"type": "object", "properties": {"total": {"type": "integer"},
    "items": {"type": "array", "items": {"$ref": "#/components/schemas/Agent"}}}},
  "NumberInput": {"type": "object", "required": ["e164"], "properties": {"e164": {"type": "string"},
    "provider": {"type": "string", "enum": ["twilio", "telnyx", "retell"]}, "country": {"type": "string"},
    "status": {"type": "string", "enum": ["pending", "active", "suspended", "released"]},
    "calls_per_second": {"type": "integer", "minimum": 1, "maximum": 1000,
      "description": "calls per second the engine dials from this number (default 1)"}}},
  "Number": {"type": "object", "properties": {"id": {"type": "integer"}, "e164": {"type": "string"},
    "provider": {"type": "string"}, "country": {"type": "string"}, "status": {"type": "string"},
    "calls_per_second": {"type": "integer"}, "created_at": {"type": "string", "format": "date-time"}}},
  "NumberList": {"type": "object", "properties": {"total": {"type": "integer"},
    "items": {"type": "array", "items": {"$ref": "#/components/schemas/Number"}}}},
  "LeadInput": {"type": "object", "properties": {"name": {"type": "string"},
    "phone": {"type": "string", "description": "E.164; required when creating"},
    "email": {"type": "string"}, "company": {"type": "string"}, "country_iso": {"type": "string"},
    "timezone": {"type": "string"}, "nature": {"type": "string", "enum": ["b2b", "b2c", "unknown"]},
    "consent_status": {"type": "string", "enum": ["granted", "denied", "unknown"]},
    "consent_basis": {"type": "string"}, "campaign_id": {"type": "integer", "nullable": true},
    "quiet_hours_disabled": {"type": "boolean"}, "priority": {"type": "integer"},
    "metadata": {"type": "object"}}},
  "LeadsInput": {"oneOf": [{"$ref": "#/components/schemas/LeadInput"},
    {"type": "array", "items": {"$ref": "#/components/schemas/LeadInput"}}]},
  "Lead": {"allOf": [{"$ref": "#/components/schemas/LeadInput"}, {"type": "object", "properties": {
    "id": {"type": "integer"}, "status": {"type": "string"}, "attempts": {"type": "integer"},
    "next_attempt_at": {"type": "string", "format": "date-time", "nullable": true},
    "last_disposition": {"type": "string"}, "terminal_reason": {"type": "string"},
    "created_at": {"type": "string", "format": "date-time"}}}]},
  "LeadList": {"type": "object", "properties": {"total": {"type": "integer"},
    "items": {"type": "array", "items": {"$ref": "#/components/schemas/Lead"}},
    "pagination": {"$ref": "#/components/schemas/Pagination"}}},
  "Pagination": {"type": "object", "properties": {"limit": {"type": "integer"}, "offset": {"type": "integer"}}},
  "ImportResult": {"type": "object", "properties": {"imported": {"type": "integer"},
    "failed": {"type": "integer"}, "errors": {"type": "array", "items": {"type": "object", "properties": {
      "line": {"type": "integer"}, "field": {"type": "string"}, "message": {"type": "string"}}}},
    "errors_truncated": {"type": "boolean"}, "campaign_id": {"type": "integer", "nullable": true},
    "ignored_columns": {"type": "array", "items": {"type": "string"}}}},
  "CampaignInput": {"type": "object", "properties": {"name": {"type": "string"},
    "agent_id": {"type": "integer"}, "from_number": {"type": "string"}, "timezone": {"type": "string"},
    "start_date": {"type": "string", "format": "date-time", "nullable": true},
    "end_date": {"type": "string", "format": "date-time", "nullable": true},
    "quiet_hours": {"type": "object"}, "max_concurrent_calls": {"type": "integer"},
    "max_calls_per_hour": {"type": "integer", "nullable": true},
    "max_calls_per_day": {"type": "integer", "nullable": true}, "calls_per_second": {"type": "integer"},
    "budget_cents": {"type": "integer", "nullable": true}, "est_cost_per_call_cents": {"type": "integer"},
    "max_attempts": {"type": "integer"}, "retry": {"type": "object", "properties": {
      "no_answer_s": {"type": "integer"}, "busy_s": {"type": "integer"},
      "voicemail_s": {"type": "integer"}, "failed_s": {"type": "integer"}}},
    "lead_filters": {"type": "object"}, "exclude_dnc": {"type": "boolean"}, "metadata": {"type": "object"}}},
  "Campaign": {"allOf": [{"$ref": "#/components/schemas/CampaignInput"}, {"type": "object", "properties": {
    "id": {"type": "integer"}, "status": {"type": "string",
      "enum": ["draft", "scheduled", "running", "paused", "completed", "cancelled"]},
    "kind": {"type": "string", "enum": ["campaign", "outbound"],
      "description": "outbound: the one-lead campaign of POST /calls/outbound (not listed by GET /campaigns, not editable)"},
    "created_at": {"type": "string", "format": "date-time"},
    "updated_at": {"type": "string", "format": "date-time"}}}]},
  "CampaignList": {"type": "object", "properties": {"total": {"type": "integer"},
    "items": {"type": "array", "items": {"$ref": "#/components/schemas/Campaign"}},
    "pagination": {"$ref": "#/components/schemas/Pagination"}}},
  "CampaignStats": {"type": "object", "properties": {"campaign_id": {"type": "integer"},
    "status": {"type": "string"}, "total_leads": {"type": "integer"}, "calls_scheduled": {"type": "integer"},
    "calls_in_progress": {"type": "integer"}, "calls_completed": {"type": "integer"},
    "calls_failed": {"type": "integer"}, "calls_queued": {"type": "integer"},
    "leads_terminal": {"type": "integer"}, "completion_rate": {"type": "number"},
    "average_duration_seconds": {"type": "number"}, "spent_cents": {"type": "integer"},
    "reserved_cents": {"type": "integer"},
    "dispositions": {"type": "object", "additionalProperties": {"type": "integer"}},
    "blocked": {"type": "object", "additionalProperties": {"type": "integer"}},
    "block_reasons": {"type": "object", "additionalProperties": {"type": "integer"}}}},
  "Call": {"type": "object", "properties": {"id": {"type": "integer"}, "campaign_id": {"type": "integer"},
    "lead_id": {"type": "integer"}, "attempt_no": {"type": "integer"}, "provider_call_id": {"type": "string"},
    "status": {"type": "string"}, "from_number": {"type": "string"}, "to_number": {"type": "string"},
    "disconnection_reason": {"type": "string"}, "disposition": {"type": "string"},
    "duration_seconds": {"type": "integer", "nullable": true}, "cost_cents": {"type": "integer", "nullable": true},
    "summary": {"type": "string"}, "sentiment": {"type": "string"}, "recording_url": {"type": "string"},
    "created_at": {"type": "string", "format": "date-time"},
    "started_at": {"type": "string", "format": "date-time", "nullable": true},
    "ended_at": {"type": "string", "format": "date-time", "nullable": true}}},
  "CallDetail": {"allOf": [{"$ref": "#/components/schemas/Call"}, {"type": "object", "properties": {
    "transcript": {"type": "string"}, "segments": {"type": "array", "items": {"type": "object", "properties": {
      "seq": {"type": "integer"}, "role": {"type": "string"}, "content": {"type": "string"}}}}}}]},
  "OutboundCallInput": {"type": "object", "required": ["from_number", "agent_id"], "properties": {
    "to_number": {"type": "string", "description": "E.164; may be omitted with lead_id (the lead's phone), else must equal it"},
    "from_number": {"type": "string", "description": "One of the tenant's numbers"},
    "agent_id": {"type": "integer"},
    "lead_id": {"type": "integer", "description": "A lead of the tenant whose contact, consent and zone the call's lead copies"},
    "metadata": {"type": "object"}}},
  "OutboundCallQueued": {"type": "object", "properties": {
    "campaign_id": {"type": "integer", "description": "The call's one-lead campaign (kind outbound)"},
    "lead_id": {"type": "integer", "description": "The lead of that campaign"},
    "to_number": {"type": "string"}, "status": {"type": "string", "enum": ["queued"]}}},
  "ComplianceViolation": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object",
    "properties": {"code": {"type": "string", "example": "COMPLIANCE_VIOLATION"}, "message": {"type": "string"},
      "details": {"type": "object", "description": "The decision as GET /compliance/check serves it", "properties": {
        "allowed": {"type": "boolean"}, "block_reason": {"type": "string"},
        "checks": {"type": "object", "additionalProperties": {"type": "string"}},
        "next_allowed_at": {"type": "string", "format": "date-time", "nullable": true}}},
      "request_id": {"type": "string"}}}}},
  "CallList": {"type": "object", "properties": {"total": {"type": "integer"},
    "items": {"type": "array", "items": {"$ref": "#/components/schemas/Call"}},
    "pagination": {"$ref": "#/components/schemas/Pagination"}}},
  "RetellWebhook": {"type": "object", "required": ["event", "call"], "properties": {
    "event": {"type": "string"}, "call": {"type": "object"}}},
  "DailyActivity": {"type": "object", "properties": {"days": {"type": "integer"}, "items": {"type": "array",
    "items": {"type": "object", "properties": {"date": {"type": "string", "format": "date"},
      "calls": {"type": "integer"}, "answered": {"type": "integer"}, "completed": {"type": "integer"},
      "failed": {"type": "integer"}, "cost_cents": {"type": "integer"},
      "duration_seconds": {"type": "integer"}}}}}},
  "Outcomes": {"type": "object", "properties": {"campaign_id": {"type": "integer", "nullable": true},
    "from_date": {"type": "string", "nullable": true}, "to_date": {"type": "string", "nullable": true},
    "total": {"type": "integer"},
    "dispositions": {"type": "object", "additionalProperties": {"type": "integer"}},
    "states": {"type": "object", "additionalProperties": {"type": "integer"}}}},
  "Concurrency": {"type": "object", "properties": {"active_calls": {"type": "integer"},
    "campaigns": {"type": "array", "items": {"type": "object", "properties": {
      "campaign_id": {"type": "integer"}, "name": {"type": "string"}, "status": {"type": "string"},
      "active_calls": {"type": "integer"}, "max_concurrent_calls": {"type": "integer"}}}}}},
  "CostToday": {"type": "object", "properties": {"date": {"type": "string", "format": "date"},
    "calls": {"type": "integer"}, "spent_cents": {"type": "integer"},
    "month_to_date_cents": {"type": "integer"}, "campaigns": {"type": "array", "items": {"type": "object",
      "properties": {"campaign_id": {"type": "integer"}, "spent_cents": {"type": "integer"}}}}}},
  "Health": {"type": "object", "properties": {"status": {"type": "string"}}},
  "Readiness": {"type": "object", "properties": {"database": {"type": "boolean"}, "actors": {"type": "boolean"}}},
  "OpenApi": {"type": "object", "description": "This document"},
  "ComplianceCheck": {"type": "object", "properties": {"allowed": {"type": "boolean"},
    "country_iso": {"type": "string"}, "timezones": {"type": "array", "items": {"type": "string"}},
    "timezone_source": {"type": "string", "enum": ["none", "lead", "prefix", "country"]},
    "checks": {"type": "object", "additionalProperties": {"type": "string",
      "enum": ["passed", "blocked", "not_applicable"]}},
    "block_reason": {"type": "string", "nullable": true},
    "next_allowed_at": {"type": "string", "format": "date-time", "nullable": true},
    "required_disclosures": {"type": "array", "items": {"type": "string"}},
    "decided_for": {"type": "string", "format": "date-time"}}},
  "CountryRule": {"type": "object", "description": "One country's rule as in config/country_rules.json",
    "properties": {"name": {"type": "string"}, "calling_hours": {"type": "object"},
      "holidays": {"type": "object"}, "consent": {"type": "object"}, "attempt_cap": {"type": "object"},
      "refusal_cooloff": {"type": "object"}, "disclosures": {"type": "object"}}},
  "CountryRuleView": {"type": "object", "properties": {"country_iso": {"type": "string"},
    "rule": {"$ref": "#/components/schemas/CountryRule"},
    "tenant_override": {"$ref": "#/components/schemas/CountryRule"}}},
  "CountryRuleList": {"type": "object", "properties": {"total": {"type": "integer"},
    "items": {"type": "array", "items": {"$ref": "#/components/schemas/CountryRuleView"}}}},
  "DncInput": {"type": "object", "required": ["phone"], "properties": {
    "phone": {"type": "string", "example": "+14155550123"}, "reason": {"type": "string"}}},
  "DncEntry": {"type": "object", "properties": {"id": {"type": "integer"}, "phone": {"type": "string"},
    "reason": {"type": "string"}, "source": {"type": "string"},
    "created_at": {"type": "string", "format": "date-time"}}},
  "DncList": {"type": "object", "properties": {"total": {"type": "integer"},
    "items": {"type": "array", "items": {"$ref": "#/components/schemas/DncEntry"}},
    "pagination": {"type": "object"}}},
  "DncImportResult": {"type": "object", "properties": {"imported": {"type": "integer"},
    "duplicates": {"type": "integer"}, "failed": {"type": "integer"}, "errors": {"type": "array",
      "items": {"type": "object", "properties": {"line": {"type": "integer"},
        "field": {"type": "string"}, "message": {"type": "string"}}}}}}
})json";

const std::vector<route_doc> routes = {
    {"GET",
     "/healthz",
     "operations",
     "The process is alive",
     route_access::none,
     nullptr,
     200,
     "Health",
     {},
     {}},
    {"GET",
     "/readyz",
     "operations",
     "The database is reachable and the actors run",
     route_access::none,
     nullptr,
     200,
     "Readiness",
     {},
     {503}},
    {"GET",
     "/metrics",
     "operations",
     "Prometheus metrics (text format)",
     route_access::none,
     nullptr,
     200,
     "text",
     {},
     {}},
    {"GET",
     "/api/v1/openapi.json",
     "operations",
     "This document",
     route_access::none,
     nullptr,
     200,
     "OpenApi",
     {},
     {}},
    {"POST",
     "/api/v1/auth/register",
     "auth",
     "Create a tenant and its admin user",
     route_access::none,
     "Register",
     201,
     "Registered",
     {},
     {400, 409}},
    {"POST",
     "/api/v1/auth/login",
     "auth",
     "Exchange e-mail and password for a token",
     route_access::none,
     "Login",
     200,
     "LoggedIn",
     {},
     {400, 401}},
    {"GET",
     "/api/v1/auth/me",
     "auth",
     "The caller",
     route_access::bearer,
     nullptr,
     200,
     "Me",
     {},
     {401}},
    {"POST",
     "/api/v1/api-keys",
     "auth",
     "Create an API key (its secret is shown once)",
     route_access::admin,
     "ApiKeyInput",
     201,
     "ApiKey",
     {},
     {400, 401, 403}},
    {"GET",
     "/api/v1/api-keys",
     "auth",
     "The tenant's API keys, without secrets",
     route_access::admin,
     nullptr,
     200,
     "ApiKeyList",
     {},
     {401, 403}},
    {"DELETE",
     "/api/v1/api-keys/{id}",
     "auth",
     "Revoke an API key",
     route_access::admin,
     nullptr,
     204,
     nullptr,
     {},
     {401, 403, 404}},
    {"GET",
     "/api/v1/settings/provider",
     "settings",
     "The tenant's provider account (never its key) and webhook path",
     route_access::bearer,
     nullptr,
     200,
     "ProviderSettings",
     {},
     {401}},
    {"PUT",
     "/api/v1/settings/provider",
     "settings",
     "Set or clear the tenant's own provider account",
     route_access::admin,
     "ProviderSettingsInput",
     200,
     "ProviderSettings",
     {},
     {400, 401, 403}},
    {"GET",
     "/api/v1/settings/limits",
     "settings",
     "The limits the tenant's campaigns share and this month's spend",
     route_access::bearer,
     nullptr,
     200,
     "TenantLimits",
     {},
     {401}},
    {"PUT",
     "/api/v1/settings/limits",
     "settings",
     "Set or clear the tenant-wide concurrency cap and monthly budget",
     route_access::admin,
     "TenantLimitsInput",
     200,
     "TenantLimits",
     {},
     {400, 401, 403}},
    {"GET",
     "/api/v1/agents",
     "agents",
     "The tenant's agents",
     route_access::bearer,
     nullptr,
     200,
     "AgentList",
     {},
     {401}},
    {"POST",
     "/api/v1/agents",
     "agents",
     "Register an agent",
     route_access::bearer,
     "AgentInput",
     201,
     "Agent",
     {},
     {400, 401, 403}},
    {"GET",
     "/api/v1/agents/{id}",
     "agents",
     "One agent",
     route_access::bearer,
     nullptr,
     200,
     "Agent",
     {},
     {401, 404}},
    {"PATCH",
     "/api/v1/agents/{id}",
     "agents",
     "Change an agent",
     route_access::bearer,
     "AgentInput",
     200,
     "Agent",
     {},
     {400, 401, 403, 404}},
    {"DELETE",
     "/api/v1/agents/{id}",
     "agents",
     "Delete an agent no campaign uses",
     route_access::bearer,
     nullptr,
     204,
     nullptr,
     {},
     {401, 403, 404, 409}},
    {"GET",
     "/api/v1/numbers",
     "numbers",
     "The tenant's caller numbers",
     route_access::bearer,
     nullptr,
     200,
     "NumberList",
     {},
     {401}},
    {"POST",
     "/api/v1/numbers",
     "numbers",
     "Register a caller number",
     route_access::bearer,
     "NumberInput",
     201,
     "Number",
     {},
     {400, 401, 403, 409}},
    {"GET",
     "/api/v1/numbers/{id}",
     "numbers",
     "One caller number",
     route_access::bearer,
     nullptr,
     200,
     "Number",
     {},
     {401, 404}},
    {"DELETE",
     "/api/v1/numbers/{id}",
     "numbers",
     "Delete a number no unfinished campaign calls from",
     route_access::bearer,
     nullptr,
     204,
     nullptr,
     {},
     {401, 403, 404, 409}},
    {"POST",
     "/api/v1/leads",
     "leads",
     "Create a lead, or many (all or nothing)",
     route_access::bearer,
     "LeadsInput",
     201,
     "Lead",
     {},
     {400, 401, 403, 409}},
    {"GET",
     "/api/v1/leads",
     "leads",
     "Search the tenant's leads",
     route_access::bearer,
     nullptr,
     200,
     "LeadList",
     {"campaign_id:integer", "country_iso:string", "consent_status:string", "status:string",
      "q:string", "limit:integer", "offset:integer"},
     {400, 401}},
    {"GET",
     "/api/v1/leads/{id}",
     "leads",
     "One lead",
     route_access::bearer,
     nullptr,
     200,
     "Lead",
     {},
     {401, 404}},
    {"PATCH",
     "/api/v1/leads/{id}",
     "leads",
     "Change a lead that is not being called",
     route_access::bearer,
     "LeadInput",
     200,
     "Lead",
     {},
     {400, 401, 403, 404, 409}},
    {"DELETE",
     "/api/v1/leads/{id}",
     "leads",
     "Delete a lead that was never called",
     route_access::bearer,
     nullptr,
     204,
     nullptr,
     {},
     {401, 403, 404, 409}},
    {"GET",
     "/api/v1/leads/{id}/calls",
     "leads",
     "The lead's calls",
     route_access::bearer,
     nullptr,
     200,
     "CallList",
     {"limit:integer", "offset:integer"},
     {400, 401, 404}},
    {"POST",
     "/api/v1/leads/bulk-import",
     "leads",
     "Import leads from CSV (header row; text/csv or multipart file part); bad rows are reported "
     "by line",
     route_access::bearer,
     "csv",
     200,
     "ImportResult",
     {"campaign_id:integer"},
     {400, 401, 403, 404, 409, 413, 415}},
    {"POST",
     "/api/v1/campaigns",
     "campaigns",
     "Create a draft campaign",
     route_access::bearer,
     "CampaignInput",
     201,
     "Campaign",
     {},
     {400, 401, 403}},
    {"GET",
     "/api/v1/campaigns",
     "campaigns",
     "The tenant's campaigns",
     route_access::bearer,
     nullptr,
     200,
     "CampaignList",
     {"status:string", "limit:integer", "offset:integer"},
     {400, 401}},
    {"GET",
     "/api/v1/campaigns/{id}",
     "campaigns",
     "One campaign",
     route_access::bearer,
     nullptr,
     200,
     "Campaign",
     {},
     {401, 404}},
    {"PATCH",
     "/api/v1/campaigns/{id}",
     "campaigns",
     "Change a draft or paused campaign",
     route_access::bearer,
     "CampaignInput",
     200,
     "Campaign",
     {},
     {400, 401, 403, 404, 409}},
    {"GET",
     "/api/v1/campaigns/{id}/stats",
     "campaigns",
     "Counters of one campaign",
     route_access::bearer,
     nullptr,
     200,
     "CampaignStats",
     {},
     {401, 404}},
    {"POST",
     "/api/v1/campaigns/{id}/start",
     "campaigns",
     "Start (or schedule) a campaign",
     route_access::bearer,
     nullptr,
     200,
     "Campaign",
     {},
     {401, 403, 404, 409}},
    {"POST",
     "/api/v1/campaigns/{id}/pause",
     "campaigns",
     "Pause a running campaign",
     route_access::bearer,
     nullptr,
     200,
     "Campaign",
     {},
     {401, 403, 404, 409}},
    {"POST",
     "/api/v1/campaigns/{id}/resume",
     "campaigns",
     "Resume a paused campaign",
     route_access::bearer,
     nullptr,
     200,
     "Campaign",
     {},
     {401, 403, 404, 409}},
    {"POST",
     "/api/v1/campaigns/{id}/stop",
     "campaigns",
     "Stop a campaign for good",
     route_access::bearer,
     nullptr,
     200,
     "Campaign",
     {},
     {401, 403, 404, 409}},
    {"GET",
     "/api/v1/calls",
     "calls",
     "The tenant's calls",
     route_access::bearer,
     nullptr,
     200,
     "CallList",
     {"status:string", "campaign_id:integer", "lead_id:integer", "from_date:date-time",
      "to_date:date-time", "limit:integer", "offset:integer"},
     {400, 401}},
    {"POST",
     "/api/v1/calls/outbound",
     "calls",
     "One call now, through the campaign machinery (compliance, limits, webhooks) as a one-lead "
     "campaign of kind outbound; 422 COMPLIANCE_VIOLATION when the decision for now blocks it",
     route_access::bearer,
     "OutboundCallInput",
     202,
     "OutboundCallQueued",
     {},
     {400, 401, 403, 404, 409, 422}},
    {"GET",
     "/api/v1/calls/{id}",
     "calls",
     "One call with its transcript",
     route_access::bearer,
     nullptr,
     200,
     "CallDetail",
     {},
     {401, 404}},
    {"POST",
     "/api/v1/webhooks/retell",
     "webhooks",
     "Provider webhook of the platform account",
     route_access::signature,
     "RetellWebhook",
     204,
     nullptr,
     {},
     {400, 401}},
    {"POST",
     "/api/v1/webhooks/retell/{tenant_hook_id}",
     "webhooks",
     "Provider webhook of a tenant's own account (signed with the tenant's key)",
     route_access::signature,
     "RetellWebhook",
     204,
     nullptr,
     {},
     {400, 401, 404}},
    {"GET",
     "/api/v1/metrics/daily",
     "metrics",
     "Calls, outcomes and cost per UTC day",
     route_access::bearer,
     nullptr,
     200,
     "DailyActivity",
     {"days:integer"},
     {400, 401}},
    {"GET",
     "/api/v1/metrics/outcomes",
     "metrics",
     "Attempts by disposition and state",
     route_access::bearer,
     nullptr,
     200,
     "Outcomes",
     {"campaign_id:integer", "from_date:date-time", "to_date:date-time"},
     {400, 401, 404}},
    {"GET",
     "/api/v1/metrics/concurrency",
     "metrics",
     "Provider lines in use now",
     route_access::bearer,
     nullptr,
     200,
     "Concurrency",
     {},
     {401}},
    {"GET",
     "/api/v1/metrics/cost/today",
     "metrics",
     "Spend of the current UTC day",
     route_access::bearer,
     nullptr,
     200,
     "CostToday",
     {},
     {401}},
    {"GET",
     "/api/v1/compliance/check",
     "compliance",
     "Whether a number or lead may be called at an instant (default now), and if not, when",
     route_access::bearer,
     nullptr,
     200,
     "ComplianceCheck",
     {"to_number:string", "lead_id:integer", "campaign_id:integer", "at:string"},
     {400, 401, 404}},
    {"GET",
     "/api/v1/compliance/rules",
     "compliance",
     "Country rules with the tenant's overrides",
     route_access::bearer,
     nullptr,
     200,
     "CountryRuleList",
     {"country_iso:string"},
     {400, 401, 404}},
    {"PUT",
     "/api/v1/compliance/rules/{country_iso}",
     "compliance",
     "Set the tenant's override of a country's rule (windows never widen a legal floor)",
     route_access::admin,
     "CountryRule",
     200,
     "CountryRuleView",
     {},
     {400, 401, 403}},
    {"GET",
     "/api/v1/compliance/dnc",
     "compliance",
     "The tenant's do-not-call list",
     route_access::bearer,
     nullptr,
     200,
     "DncList",
     {"q:string", "limit:integer", "offset:integer"},
     {400, 401}},
    {"POST",
     "/api/v1/compliance/dnc",
     "compliance",
     "Add a number to the do-not-call list",
     route_access::bearer,
     "DncInput",
     201,
     "DncEntry",
     {},
     {400, 401, 403, 409}},
    {"DELETE",
     "/api/v1/compliance/dnc/{id}",
     "compliance",
     "Remove a number from the do-not-call list",
     route_access::bearer,
     nullptr,
     204,
     nullptr,
     {},
     {401, 403, 404}},
    {"POST",
     "/api/v1/compliance/dnc/bulk-import",
     "compliance",
     "Import do-not-call numbers from CSV (phone column, optional reason)",
     route_access::bearer,
     "csv",
     200,
     "DncImportResult",
     {},
     {400, 401, 403, 413, 415}},
    {"GET",
     "/ws",
     "events",
     "Live events of the caller's tenant over WebSocket (credential in Authorization or ?token=)",
     route_access::bearer,
     nullptr,
     101,
     nullptr,
     {"token:string"},
     {401, 426, 429, 503}},
};

const char* reason_of(unsigned status) {
  switch (status) {
    case 101:
      return "Switching protocols: the live event stream";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No content";
    case 400:
      return "Invalid input (MALFORMED_JSON, VALIDATION_ERROR)";
    case 401:
      return "UNAUTHENTICATED or INVALID_SIGNATURE";
    case 403:
      return "PERMISSION_DENIED";
    case 404:
      return "Not found (also for other tenants' ids)";
    case 409:
      return "INVALID_STATE or CONFLICT";
    case 413:
      return "PAYLOAD_TOO_LARGE";
    case 415:
      return "UNSUPPORTED_MEDIA_TYPE";
    case 426:
      return "UPGRADE_REQUIRED (not a WebSocket upgrade request)";
    case 422:
      return "COMPLIANCE_VIOLATION (details: the compliance decision)";
    case 429:
      return "RATE_LIMIT_EXCEEDED (see Retry-After)";
    case 503:
      return "UNAVAILABLE";
    default:
      return "Error";
  }
}

void key(writer& w, std::string_view k) {
  w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
}
void text(writer& w, std::string_view v) {
  w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
}
void ref(writer& w, std::string_view schema) {
  w.StartObject();
  key(w, "$ref");
  text(w, "#/components/schemas/" + std::string(schema));
  w.EndObject();
}

void json_content(writer& w, std::string_view schema) {
  key(w, "content");
  w.StartObject();
  key(w, "application/json");
  w.StartObject();
  key(w, "schema");
  ref(w, schema);
  w.EndObject();
  w.EndObject();
}

void parameter(writer& w, std::string_view name, std::string_view in, std::string_view type,
               bool required) {
  w.StartObject();
  key(w, "name");
  text(w, name);
  key(w, "in");
  text(w, in);
  key(w, "required");
  w.Bool(required);
  key(w, "schema");
  w.StartObject();
  key(w, "type");
  text(w, type == "date-time" ? "string" : type);
  if (type == "date-time") {
    key(w, "format");
    text(w, "date-time");
  }
  w.EndObject();
  w.EndObject();
}

void operation(writer& w, const route_doc& r) {
  w.StartObject();
  key(w, "tags");
  w.StartArray();
  text(w, r.tag);
  w.EndArray();
  key(w, "summary");
  text(w, r.summary);
  key(w, "operationId");
  std::string id = std::string(r.method) + std::string(r.path);
  for (char& c : id)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  text(w, id);
  if (r.access == route_access::none || r.access == route_access::signature) {
    key(w, "security");
    w.StartArray();
    w.EndArray();
  } else if (r.access == route_access::admin) {
    key(w, "description");
    text(w, "Admins only.");
  }

  key(w, "parameters");
  w.StartArray();
  std::string_view path(r.path);
  for (auto open = path.find('{'); open != std::string_view::npos;
       open = path.find('{', open + 1)) {
    auto name = path.substr(open + 1, path.find('}', open) - open - 1);
    parameter(w, name, "path", name == "id" ? "integer" : "string", true);
  }
  for (std::string_view q : r.query) {
    auto colon = q.find(':');
    parameter(w, q.substr(0, colon), "query", q.substr(colon + 1), false);
  }
  if (r.access == route_access::signature)
    parameter(w, "x-retell-signature", "header", "string", true);
  w.EndArray();

  if (r.request_body) {
    key(w, "requestBody");
    w.StartObject();
    key(w, "required");
    w.Bool(true);
    if (std::string_view(r.request_body) == "csv") {
      key(w, "content");
      w.StartObject();
      key(w, "text/csv");
      w.StartObject();
      key(w, "schema");
      w.StartObject();
      key(w, "type");
      text(w, "string");
      w.EndObject();
      w.EndObject();
      key(w, "multipart/form-data");
      w.StartObject();
      key(w, "schema");
      w.StartObject();
      key(w, "type");
      text(w, "object");
      key(w, "properties");
      w.StartObject();
      key(w, "file");
      w.StartObject();
      key(w, "type");
      text(w, "string");
      key(w, "format");
      text(w, "binary");
      w.EndObject();
      w.EndObject();
      w.EndObject();
      w.EndObject();
      w.EndObject();
    } else {
      json_content(w, r.request_body);
    }
    w.EndObject();
  }

  key(w, "responses");
  w.StartObject();
  key(w, std::to_string(r.success));
  w.StartObject();
  key(w, "description");
  text(w, reason_of(r.success));
  if (r.response_body && std::string_view(r.response_body) == "text") {
    key(w, "content");
    w.StartObject();
    key(w, "text/plain");
    w.StartObject();
    key(w, "schema");
    w.StartObject();
    key(w, "type");
    text(w, "string");
    w.EndObject();
    w.EndObject();
    w.EndObject();
  } else if (r.response_body) {
    json_content(w, r.response_body);
  }
  w.EndObject();
  std::vector<unsigned> errors = r.errors;
  if (r.access == route_access::bearer || r.access == route_access::admin) errors.push_back(429);
  if (r.access != route_access::none || r.request_body) errors.push_back(503);
  for (unsigned status : errors) {
    key(w, std::to_string(status));
    w.StartObject();
    key(w, "description");
    text(w, reason_of(status));
    json_content(w, status == 422 ? "ComplianceViolation" : "Error");
    w.EndObject();
  }
  w.EndObject();
  w.EndObject();
}

}  // namespace

const std::vector<route_doc>& documented_routes() {
  return routes;
}

std::string openapi_document() {
  rapidjson::StringBuffer buf;
  writer w(buf);
  w.StartObject();
  key(w, "openapi");
  text(w, "3.0.3");
  key(w, "info");
  w.StartObject();
  key(w, "title");
  text(w, "dialer API");
  key(w, "version");
  text(w, "1");
  key(w, "description");
  text(w,
       "Multi-tenant outbound dialer engine. Errors share one shape (Error); every response "
       "carries X-Request-Id. Ids of other tenants answer 404.");
  w.EndObject();
  key(w, "servers");
  w.StartArray();
  w.StartObject();
  key(w, "url");
  text(w, "/");
  w.EndObject();
  w.EndArray();
  key(w, "security");
  w.StartArray();
  w.StartObject();
  key(w, "bearer");
  w.StartArray();
  w.EndArray();
  w.EndObject();
  w.EndArray();

  // Operations grouped by path, paths in first-seen order.
  std::vector<std::string> order;
  std::map<std::string, std::vector<const route_doc*>> by_path;
  for (const auto& r : routes) {
    if (!by_path.count(r.path)) order.push_back(r.path);
    by_path[r.path].push_back(&r);
  }
  key(w, "paths");
  w.StartObject();
  for (const auto& path : order) {
    key(w, path);
    w.StartObject();
    for (const auto* r : by_path[path]) {
      std::string method = r->method;
      for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      key(w, method);
      operation(w, *r);
    }
    w.EndObject();
  }
  w.EndObject();

  key(w, "components");
  w.StartObject();
  key(w, "securitySchemes");
  w.StartObject();
  key(w, "bearer");
  w.StartObject();
  key(w, "type");
  text(w, "http");
  key(w, "scheme");
  text(w, "bearer");
  key(w, "description");
  text(w, "A JWT from /auth/login or an API key (dk_...). Viewers may only GET.");
  w.EndObject();
  w.EndObject();
  key(w, "schemas");
  w.RawValue(schemas.data(), schemas.size(), rapidjson::kObjectType);
  w.EndObject();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace dialer::http

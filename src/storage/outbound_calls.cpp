#include "storage/outbound_calls.hpp"

#include "core/outbound_call.hpp"
#include "storage/statement.hpp"

namespace dialer::storage {
namespace {

// FOR SHARE: the lead cannot change or go away until the copy is committed.
const statement lock_source_lead_sql{
    "outbound.lock_source_lead",
    "SELECT phone FROM leads WHERE tenant_id = $1 AND id = $2 FOR SHARE"};

const statement insert_outbound_campaign_sql{
    "outbound.insert_campaign",
    "INSERT INTO campaigns (tenant_id, kind, name, agent_id, from_number, max_concurrent_calls,"
    " max_attempts, metadata, status)"
    " VALUES ($1, 'outbound', $2, $3, $4, $5, $6, $7::jsonb, 'running') RETURNING id"};

const statement copy_lead_sql{
    "outbound.copy_lead",
    "INSERT INTO leads (tenant_id, campaign_id, name, phone, email, company, country_iso,"
    " timezone, nature, consent_status, consent_basis, quiet_hours_disabled, priority, metadata)"
    " SELECT tenant_id, $3, name, phone, email, company, country_iso, timezone, nature,"
    " consent_status, consent_basis, quiet_hours_disabled, priority, metadata"
    " FROM leads WHERE tenant_id = $1 AND id = $2 RETURNING id"};

const statement insert_lead_sql{
    "outbound.insert_lead",
    "INSERT INTO leads (tenant_id, campaign_id, phone, country_iso, metadata)"
    " VALUES ($1, $2, $3, $4, $5::jsonb) RETURNING id"};

}  // namespace

outbound_created create_outbound_call(database& db, id_t tenant_id, const outbound_call& call) {
  outbound_created out;
  db.transact([&](pqxx::dbtransaction& tx) {
    out = {};
    if (call.source_lead_id) {
      auto source = run(tx, lock_source_lead_sql, tenant_id, *call.source_lead_id);
      if (source.empty()) {
        out.result = outbound_result::lead_not_found;
        return;
      }
      if (text_of(source[0][0]) != call.phone) {
        out.result = outbound_result::phone_changed;
        return;
      }
    }
    out.campaign_id = run(tx, insert_outbound_campaign_sql, tenant_id, call.name, call.agent_id,
                          call.from_number, outbound_max_concurrent_calls, outbound_max_attempts,
                          json_or_empty_object(call.metadata_json))[0][0]
                          .as<id_t>();
    auto lead = call.source_lead_id
                    ? run(tx, copy_lead_sql, tenant_id, *call.source_lead_id, out.campaign_id)
                    : run(tx, insert_lead_sql, tenant_id, out.campaign_id, call.phone,
                          call.country_iso, json_or_empty_object(call.metadata_json));
    out.lead_id = lead[0][0].as<id_t>();
    out.result = outbound_result::created;
  });
  return out;
}

}  // namespace dialer::storage

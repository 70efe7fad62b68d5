#pragma once

// POST /calls/outbound as stored: a running campaign of kind outbound with its one lead.

#include <optional>
#include <string>

#include "storage/database.hpp"
#include "storage/rows.hpp"

namespace dialer::storage {

/// What an outbound call request asks for, already validated by the caller.
struct outbound_call {
  std::string name;   ///< the campaign's name
  id_t agent_id = 0;  ///< the tenant's agent (a foreign one is refused by the schema)
  std::string from_number;
  std::string phone;  ///< the number to dial
  /// The request's metadata: the campaign's, and a new lead's (a copied lead keeps its own).
  std::string metadata_json = "{}";
  /// A lead of the tenant whose contact, consent and zone the call's lead copies; its phone
  /// must still be `phone`. nullopt: a new lead with only `phone` (country from `country_iso`).
  std::optional<id_t> source_lead_id;
  std::string country_iso;  ///< of the new lead when there is no source lead
};

/// How a request to store an outbound call ended.
enum class outbound_result {
  created,
  lead_not_found,  ///< the source lead is not the tenant's (nothing stored)
  phone_changed,   ///< the source lead's phone is no longer `phone` (nothing stored)
};

/// The outcome of create_outbound_call, with the new rows' ids when created.
struct outbound_created {
  outbound_result result = outbound_result::lead_not_found;
  id_t campaign_id = 0;
  id_t lead_id = 0;
};

/// In one transaction: a campaign of kind outbound in status running (one line, one attempt,
/// no campaign windows, DNC excluded) and its one pending lead, due now.
outbound_created create_outbound_call(database& db, id_t tenant_id, const outbound_call& call);

}  // namespace dialer::storage

#pragma once

// The tenant's do-not-call list, its overrides of the country rules, and the record of every
// dial decision (compliance_checks).

#include <optional>
#include <string>
#include <vector>

#include "core/compliance_policy.hpp"
#include "storage/rows.hpp"

namespace dialer::storage {

class database;

/// One number on a tenant's do-not-call list.
struct dnc_row {
  id_t id = 0;
  id_t tenant_id = 0;
  std::string phone;
  std::string reason;
  /// 'manual', 'import', 'api' or 'refusal'.
  std::string source = "manual";
  std::string created_at;
};

/// Adds a number to the tenant's list; nullopt when it is already there.
std::optional<dnc_row> add_dnc_number(database& db, id_t tenant_id, const dnc_row& row);

/// Adds many numbers in one transaction, skipping those already listed; returns how many were
/// added. Numbers must be valid E.164 (checked by the caller).
std::int64_t import_dnc_numbers(database& db, id_t tenant_id, const std::vector<dnc_row>& rows);

/// A page of the tenant's list, newest first; `phone_contains` filters when not empty.
page<dnc_row> list_dnc_numbers(database& db, id_t tenant_id, const std::string& phone_contains,
                               std::int32_t limit, std::int32_t offset);

/// Removes a number from the tenant's list; false when the id is not the tenant's.
bool delete_dnc_number(database& db, id_t tenant_id, id_t id);

/// Whether a number is on the tenant's list.
bool is_dnc_number(database& db, id_t tenant_id, const std::string& phone);

/// The tenant's overrides of country rules, by country.
std::vector<tenant_override> list_rule_overrides(database& db, id_t tenant_id);

/// Stores (or replaces) the tenant's override of one country's rule (JSON already validated).
void put_rule_override(database& db, id_t tenant_id, const tenant_override& rule);

/// A lead as the dial decision reads it, with its number's history in the tenant.
struct lead_dial_facts {
  id_t lead_id = 0;
  id_t campaign_id = 0;  ///< 0 for a lead in no campaign
  std::int32_t attempts = 0;
  std::string status;
  dial_subject subject;
};

/// Reads a lead of the tenant and its number's DNC entry, attempts since `attempts_since` and
/// last refusal; nullopt when the lead is not the tenant's.
std::optional<lead_dial_facts> read_lead_dial_facts(database& db, id_t tenant_id, id_t lead_id,
                                                    epoch_ms attempts_since);

/// The facts of a number that no lead carries (GET /compliance/check?to_number).
dial_subject read_number_dial_facts(database& db, id_t tenant_id, const std::string& phone,
                                    epoch_ms attempts_since);

/// One recorded dial decision.
struct compliance_check_record {
  id_t tenant_id = 0;
  std::optional<id_t> campaign_id;
  std::optional<id_t> lead_id;
  std::optional<id_t> attempt_id;
  compliance_verdict verdict;
  epoch_ms decided_at = 0;  ///< when the engine decided, by its clock (0: the database's now)
};

}  // namespace dialer::storage

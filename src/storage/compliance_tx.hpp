#pragma once

// Private to the storage library: the compliance reads and writes that run inside another
// repository's transaction (the dial journal decides and journals in one transaction).

#include <optional>

#include "storage/compliance.hpp"
#include "storage/statement.hpp"

namespace dialer::storage {

/// Reads a lead's dial facts in `tx`; with `lock`, the lead row stays locked until commit and
/// decisions on the same number serialize (the attempt cap spans campaigns).
std::optional<lead_dial_facts> read_lead_dial_facts(pqxx::dbtransaction& tx, id_t tenant_id,
                                                    id_t lead_id, epoch_ms attempts_since,
                                                    bool lock);

/// The checks of a decision as a JSON object of check name to status (compliance_checks.checks).
std::string checks_json(const compliance_decision& d);

/// Records one dial decision in `tx`.
void record_compliance_check(pqxx::dbtransaction& tx, const compliance_check_record& record);

}  // namespace dialer::storage

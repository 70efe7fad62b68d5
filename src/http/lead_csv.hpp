#pragma once

// Leads in CSV files (POST /leads/bulk-import): which column feeds which lead field, and
// one row read into a lead with an error for each bad field.

#include <string>
#include <vector>

#include "core/validation.hpp"
#include "storage/rows.hpp"

namespace dialer::http {

/// A lead field a CSV column can feed.
enum class lead_field {
  phone,
  name,
  email,
  company,
  country_iso,
  timezone,
  nature,
  consent_status,
  consent_basis,
  quiet_hours_disabled,
  priority,
  metadata,
  ignored,  ///< a column the importer does not know
};

/// Where each lead field sits in the rows of one CSV file, read from its header row.
struct lead_csv_layout {
  std::vector<lead_field> columns;   ///< for each column, the field it feeds
  std::vector<std::string> ignored;  ///< header names of the columns not understood
};

/// The layout of a header row (names matched case-insensitively, spaces around them and
/// between words ignored: "Consent Status" is consent_status). Errors name a duplicate
/// column or a missing phone column; the layout is meaningful only when `errors` stays empty.
lead_csv_layout layout_of(const std::vector<std::string>& header, field_errors& errors);

/// One data row read into a lead (surrounding spaces trimmed); each bad field adds an error
/// named after its column, and a row of the wrong width adds one error named "row".
storage::lead_row lead_of_row(const lead_csv_layout& layout, const std::vector<std::string>& row,
                              field_errors& errors);

/// True when `text` is valid UTF-8 without NUL characters (what PostgreSQL text accepts).
bool is_storable_text(std::string_view text);

}  // namespace dialer::http

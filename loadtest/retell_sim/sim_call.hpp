#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "retell_sim/outcome_mix.hpp"

namespace dialer::sim {

/// One top-level metadata entry, kept in text form for cheap filtering.
struct metadata_field {
  /// The JSON type of the value.
  enum class kind { string, number, boolean, null, composite };
  std::string key;
  std::string text;  ///< the string itself, or the JSON text of any other value
  kind type = kind::string;
};

/// One turn of a transcript.
struct transcript_line {
  std::string role;  ///< "agent" or "user"
  std::string content;
};

/// One line of a call's cost breakdown; money in cents.
struct product_cost {
  std::string product;
  double unit_price = 0;  ///< cents per second
  double cost = 0;        ///< cents
};

/// The call_cost object; money in cents.
struct call_cost {
  double combined_cost = 0;
  std::vector<product_cost> product_costs;
  double total_duration_seconds = 0;
  double total_duration_unit_price = 0;
};

/// The call_analysis object.
struct call_analysis {
  std::string call_summary;
  std::string user_sentiment;  ///< Positive, Negative, Neutral or Unknown
  bool call_successful = false;
  bool in_voicemail = false;
};

/// A simulated call as the provider stores it; the call object JSON is built from this.
struct sim_call {
  std::string call_id;
  std::string agent_id;
  std::string from_number;
  std::string to_number;
  std::string metadata_json;  ///< the metadata object's JSON text; empty when none was given
  std::vector<metadata_field> metadata_fields;  ///< top-level entries of metadata_json
  std::string dynamic_variables_json;  ///< retell_llm_dynamic_variables as JSON; may be empty
  std::string call_status = "registered";
  std::string disconnection_reason;  ///< empty until the call ends
  std::optional<std::int64_t> start_timestamp;
  std::optional<std::int64_t> end_timestamp;
  /// Wall clock when the call stopped counting toward the account's concurrency (not part of
  /// the provider's call object: the test record's real-time end).
  std::optional<std::int64_t> released_at_ms;
  std::optional<std::int64_t> duration_ms;
  std::vector<transcript_line> transcript;  ///< only shown once non-empty
  std::string recording_url;                ///< only shown once non-empty
  call_cost cost;
  std::optional<call_analysis> analysis;
  std::int64_t created_at_ms = 0;
};

}  // namespace dialer::sim

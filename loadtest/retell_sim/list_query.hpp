#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "retell_sim/sim_call.hpp"

namespace dialer::sim {

/// One condition on a top-level metadata key.
struct metadata_condition {
  /// eq/ne/sw/ew/co compare text, gt/ge/lt/le compare numbers, pr/np test presence,
  /// in matches any of `values`.
  enum class op { eq, ne, sw, ew, co, gt, ge, lt, le, pr, np, in };
  std::string key;
  op operation = op::eq;
  std::vector<std::string> values;  ///< one value, except for `in`
  double number = 0;                ///< the value of gt/ge/lt/le (and eq/ne on numbers)
  bool numeric = false;             ///< eq/ne given a number: compare numerically
};

/// A parsed POST /v2/list-calls body.
struct list_query {
  std::vector<metadata_condition> metadata;  ///< all must hold
  std::vector<std::string> call_statuses;    ///< any of these; empty: any status
  std::vector<std::string> call_ids;         ///< any of these; empty: any call
  bool descending = true;                    ///< newest first (Retell's default)
  std::size_t limit = 50;                    ///< 1..1000
  std::string pagination_key;                ///< call_id after which the page starts
};

/// The result of parsing a list-calls body: a query or an error message.
struct list_query_parse {
  std::optional<list_query> query;
  std::string error;
};

/// Parses {filter_criteria, sort_order, limit, pagination_key}. `filter_criteria.metadata` is
/// either an object {"key": value} (values compared as text) or Retell's array form
/// [{"key", "op", "type", "value"}]; `call_status` and `call_id` take a list of strings or
/// {"op": "in", "value": [...]}. Other filter keys are refused, so nothing is silently ignored.
list_query_parse parse_list_query(std::string_view body);

/// True when `call` satisfies every condition of `query` (pagination aside).
bool matches(const list_query& query, const sim_call& call);

/// The result of selecting a page: the calls, or an error (unknown pagination_key).
struct list_page {
  std::vector<const sim_call*> calls;
  bool has_more = false;  ///< more matching calls follow the page
  std::string error;
};

/// Selects the page `query` asks for from calls kept in creation order.
list_page select_page(const list_query& query, const std::deque<sim_call>& calls_by_creation);

}  // namespace dialer::sim

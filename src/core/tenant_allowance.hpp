#pragma once

#include <cstdint>
#include <optional>

#include "core/budget_ledger.hpp"

namespace dialer {

/// A tenant's limits shared by all of its campaigns; nullopt means no limit.
struct tenant_limits {
  std::optional<std::int32_t> max_concurrent_calls;
  std::optional<std::int64_t> monthly_budget_cents;
};

/// Why a tenant gave a campaign fewer lines than it asked for.
enum class tenant_refusal { none, concurrency, budget };

/// Text name of a refusal (tenant_concurrency, tenant_budget), as blocks are labelled.
const char* to_string(tenant_refusal r);

/// The tenant's answer to a campaign asking for lines.
struct line_grant {
  std::int32_t lines = 0;
  tenant_refusal refused = tenant_refusal::none;  ///< set when lines < what was asked
  budget_signal signal = budget_signal::none;     ///< a month-budget threshold just crossed
};

/// The lines and the month's budget a tenant shares among its campaigns. Every line granted
/// holds `cost_per_call` of the month's budget until it is released with what the call cost,
/// so that lines in use never exceed the tenant's cap and spent + reserved never exceeds its
/// monthly budget through a grant. A plain value owned by the tenant actor.
class tenant_allowance {
 public:
  /// Limits as stored; the month's spend so far; lines and holds already in use.
  explicit tenant_allowance(tenant_limits limits = {}, std::int64_t month_spent_cents = 0);

  /// Grants up to `want` lines, each holding `cost_per_call` cents of the month's budget.
  line_grant grant(std::int32_t want, std::int64_t cost_per_call);
  /// Counts `lines` already in use (calls followed again after a restart), over the caps if
  /// need be: those calls exist whatever the limits say.
  void take(std::int32_t lines, std::int64_t cost_per_call);
  /// Gives back `lines` that held `held_cents` in all and cost `spent_cents`.
  budget_signal release(std::int32_t lines, std::int64_t held_cents, std::int64_t spent_cents);
  /// New limits or a new month's spend; lines and holds in use stay.
  void reset(tenant_limits limits, std::int64_t month_spent_cents);

  const tenant_limits& limits() const { return limits_; }
  std::int32_t lines_in_use() const { return lines_; }
  /// Lines a grant could give now (nullopt: no cap).
  std::optional<std::int32_t> lines_free() const;
  std::int64_t spent_cents() const { return spent_; }
  std::int64_t reserved_cents() const { return reserved_; }

 private:
  tenant_limits limits_;
  std::int32_t lines_ = 0;
  std::int64_t spent_ = 0;
  std::int64_t reserved_ = 0;
};

}  // namespace dialer

namespace dialer {

/// A tenant's limits and what it has spent since the start of the current month.
struct tenant_standing {
  tenant_limits limits;
  std::int64_t month_spent_cents = 0;
};

/// The first instant of the UTC calendar month holding `now_ms` (monthly budgets are UTC).
std::int64_t month_start_utc(std::int64_t now_ms);
/// The first instant of the UTC calendar month after the one holding `now_ms`.
std::int64_t next_month_start_utc(std::int64_t now_ms);

}  // namespace dialer

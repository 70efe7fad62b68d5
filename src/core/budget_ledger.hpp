#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace dialer {

/// How much of a budget is committed (spent + reserved).
enum class budget_level { normal, warning, exhausted };

/// A threshold just crossed by an operation, for budget.warn / budget.exhausted events.
enum class budget_signal { none, warning, exhausted };

/// Text name of a budget level.
std::string_view to_string(budget_level l);
/// Text name of a budget signal.
std::string_view to_string(budget_signal s);

/// Money held for one call between dial and settlement.
struct budget_hold {
  std::int64_t amount_cents = 0;
};

/// Result of a reservation: the hold when granted, and any threshold crossed.
struct budget_reservation {
  std::optional<budget_hold> hold;
  /// warning when 80% was just reached; exhausted when 100% was just reached or the
  /// reservation was refused for lack of money (stop dialling).
  budget_signal signal = budget_signal::none;
};

/// A campaign's or tenant's budget: reserve on dial, settle with the provider's actual cost
/// (the difference goes back), so that spent + reserved never exceeds the budget through a
/// reservation. A settlement above its hold is recorded as spent (the money is gone) and
/// reported as an overrun: the promise holds as long as holds cover the worst-case cost.
/// A plain value owned by one actor; not thread-safe.
class budget_ledger {
 public:
  /// A budget of `budget_cents`, restarted from stored `spent` and `reserved` amounts.
  explicit budget_ledger(std::int64_t budget_cents, std::int64_t spent_cents = 0,
                         std::int64_t reserved_cents = 0);

  /// Holds `amount_cents` (>= 0) for a call; refused when it does not fit.
  budget_reservation reserve(std::int64_t amount_cents);
  /// Replaces a hold by the actual cost; returns a threshold crossed, if any.
  budget_signal settle(const budget_hold& hold, std::int64_t actual_cents);
  /// Drops a hold whose call never happened.
  void release(const budget_hold& hold);

  std::int64_t budget() const { return budget_; }
  std::int64_t spent() const { return spent_; }
  std::int64_t reserved() const { return reserved_; }
  /// Money neither spent nor reserved (never negative).
  std::int64_t available() const;
  /// Cents spent above the budget by settlements larger than their holds.
  std::int64_t overrun() const;
  /// Where spent + reserved stands: >= 80% warning, >= 100% exhausted.
  budget_level level() const;

 private:
  budget_signal crossed(budget_level before) const;

  std::int64_t budget_;
  std::int64_t spent_;
  std::int64_t reserved_;
};

/// Reserves the same amount on a campaign's and its tenant's ledgers, or on neither.
struct dual_reservation {
  std::optional<budget_hold> hold;
  budget_signal campaign_signal = budget_signal::none;
  budget_signal tenant_signal = budget_signal::none;
};

/// Holds `amount_cents` on both ledgers, or on none when either refuses.
dual_reservation reserve_on_both(budget_ledger& campaign, budget_ledger& tenant,
                                 std::int64_t amount_cents);

}  // namespace dialer

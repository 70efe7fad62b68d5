#include "core/budget_ledger.hpp"

#include <algorithm>

namespace dialer {

std::string_view to_string(budget_level l) {
  switch (l) {
    case budget_level::warning:
      return "warning";
    case budget_level::exhausted:
      return "exhausted";
    case budget_level::normal:
      break;
  }
  return "normal";
}

std::string_view to_string(budget_signal s) {
  switch (s) {
    case budget_signal::warning:
      return "warning";
    case budget_signal::exhausted:
      return "exhausted";
    case budget_signal::none:
      break;
  }
  return "none";
}

budget_ledger::budget_ledger(std::int64_t budget_cents, std::int64_t spent_cents,
                             std::int64_t reserved_cents)
    : budget_(std::max<std::int64_t>(budget_cents, 0)),
      spent_(std::max<std::int64_t>(spent_cents, 0)),
      reserved_(std::max<std::int64_t>(reserved_cents, 0)) {}

std::int64_t budget_ledger::available() const {
  return std::max<std::int64_t>(0, budget_ - spent_ - reserved_);
}

std::int64_t budget_ledger::overrun() const {
  return std::max<std::int64_t>(0, spent_ + reserved_ - budget_);
}

budget_level budget_ledger::level() const {
  const std::int64_t used = spent_ + reserved_;
  if (used >= budget_) return budget_level::exhausted;
  // used / budget >= 80%, in integers.
  if (used * 5 >= budget_ * 4) return budget_level::warning;
  return budget_level::normal;
}

budget_signal budget_ledger::crossed(budget_level before) const {
  const budget_level after = level();
  if (after == before) return budget_signal::none;
  if (after == budget_level::exhausted) return budget_signal::exhausted;
  if (after == budget_level::warning && before == budget_level::normal)
    return budget_signal::warning;
  return budget_signal::none;
}

budget_reservation budget_ledger::reserve(std::int64_t amount_cents) {
  budget_reservation r;
  if (amount_cents < 0 || amount_cents > available() || level() == budget_level::exhausted) {
    r.signal = budget_signal::exhausted;
    return r;
  }
  const budget_level before = level();
  reserved_ += amount_cents;
  r.hold = budget_hold{amount_cents};
  r.signal = crossed(before);
  return r;
}

budget_signal budget_ledger::settle(const budget_hold& hold, std::int64_t actual_cents) {
  const budget_level before = level();
  reserved_ -= std::min(hold.amount_cents, reserved_);
  spent_ += std::max<std::int64_t>(actual_cents, 0);
  return crossed(before);
}

void budget_ledger::release(const budget_hold& hold) {
  reserved_ -= std::min(hold.amount_cents, reserved_);
}

dual_reservation reserve_on_both(budget_ledger& campaign, budget_ledger& tenant,
                                 std::int64_t amount_cents) {
  dual_reservation out;
  budget_reservation c = campaign.reserve(amount_cents);
  out.campaign_signal = c.signal;
  if (!c.hold) return out;
  budget_reservation t = tenant.reserve(amount_cents);
  out.tenant_signal = t.signal;
  if (!t.hold) {
    campaign.release(*c.hold);
    out.campaign_signal = budget_signal::none;
    return out;
  }
  out.hold = c.hold;
  return out;
}

}  // namespace dialer

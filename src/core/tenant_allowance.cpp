#include "core/tenant_allowance.hpp"

#include <date/date.h>

#include <algorithm>
#include <chrono>

namespace dialer {

const char* to_string(tenant_refusal r) {
  switch (r) {
    case tenant_refusal::none:
      return "none";
    case tenant_refusal::concurrency:
      return "tenant_concurrency";
    case tenant_refusal::budget:
      return "tenant_budget";
  }
  return "none";
}

tenant_allowance::tenant_allowance(tenant_limits limits, std::int64_t month_spent_cents)
    : limits_(limits), spent_(std::max<std::int64_t>(month_spent_cents, 0)) {}

std::optional<std::int32_t> tenant_allowance::lines_free() const {
  if (!limits_.max_concurrent_calls) return std::nullopt;
  return std::max(*limits_.max_concurrent_calls - lines_, 0);
}

line_grant tenant_allowance::grant(std::int32_t want, std::int64_t cost_per_call) {
  line_grant g;
  if (want <= 0) return g;
  cost_per_call = std::max<std::int64_t>(cost_per_call, 0);
  std::int32_t lines = want;
  if (auto free = lines_free(); free && *free < lines) {
    lines = *free;
    g.refused = tenant_refusal::concurrency;
  }
  if (limits_.monthly_budget_cents && cost_per_call > 0) {
    // The ledger decides one hold at a time, so its thresholds are reported as they are crossed.
    budget_ledger month(*limits_.monthly_budget_cents, spent_, reserved_);
    std::int32_t fits = 0;
    while (fits < lines) {
      auto r = month.reserve(cost_per_call);
      if (r.signal != budget_signal::none) g.signal = r.signal;
      if (!r.hold) break;
      ++fits;
    }
    if (fits < lines) {
      lines = fits;
      g.refused = tenant_refusal::budget;
    }
  } else if (limits_.monthly_budget_cents && spent_ + reserved_ >= *limits_.monthly_budget_cents) {
    lines = 0;
    g.refused = tenant_refusal::budget;
  }
  g.lines = lines;
  lines_ += lines;
  reserved_ += lines * cost_per_call;
  return g;
}

void tenant_allowance::take(std::int32_t lines, std::int64_t cost_per_call) {
  if (lines <= 0) return;
  lines_ += lines;
  reserved_ += lines * std::max<std::int64_t>(cost_per_call, 0);
}

budget_signal tenant_allowance::release(std::int32_t lines, std::int64_t held_cents,
                                        std::int64_t spent_cents) {
  lines_ = std::max(lines_ - std::max(lines, 0), 0);
  if (!limits_.monthly_budget_cents) {
    reserved_ = std::max<std::int64_t>(reserved_ - std::max<std::int64_t>(held_cents, 0), 0);
    spent_ += std::max<std::int64_t>(spent_cents, 0);
    return budget_signal::none;
  }
  budget_ledger month(*limits_.monthly_budget_cents, spent_, reserved_);
  auto signal = month.settle(budget_hold{std::max<std::int64_t>(held_cents, 0)},
                             std::max<std::int64_t>(spent_cents, 0));
  spent_ = month.spent();
  reserved_ = month.reserved();
  return signal;
}

void tenant_allowance::reset(tenant_limits limits, std::int64_t month_spent_cents) {
  limits_ = limits;
  spent_ = std::max<std::int64_t>(month_spent_cents, 0);
}

}  // namespace dialer

namespace dialer {

std::int64_t month_start_utc(std::int64_t now_ms) {
  using namespace std::chrono;
  auto day = date::floor<date::days>(date::sys_time<milliseconds>(milliseconds(now_ms)));
  date::year_month_day ymd(day);
  date::sys_days first = ymd.year() / ymd.month() / 1;
  return duration_cast<milliseconds>(first.time_since_epoch()).count();
}

std::int64_t next_month_start_utc(std::int64_t now_ms) {
  using namespace std::chrono;
  auto day = date::floor<date::days>(date::sys_time<milliseconds>(milliseconds(now_ms)));
  date::year_month_day ymd(day);
  auto next = ymd.year() / ymd.month() / 1 + date::months(1);
  date::sys_days first = next;
  return duration_cast<milliseconds>(first.time_since_epoch()).count();
}

}  // namespace dialer

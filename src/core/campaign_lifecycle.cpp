#include "core/campaign_lifecycle.hpp"

namespace dialer {

std::optional<campaign_status> next_status(campaign_status current, campaign_command cmd,
                                           bool start_in_future) {
  switch (cmd) {
    case campaign_command::start:
      if (current == campaign_status::draft)
        return start_in_future ? campaign_status::scheduled : campaign_status::running;
      return std::nullopt;
    case campaign_command::pause:
      if (current == campaign_status::running || current == campaign_status::scheduled)
        return campaign_status::paused;
      return std::nullopt;
    case campaign_command::resume:
      if (current == campaign_status::paused) return campaign_status::running;
      return std::nullopt;
    case campaign_command::stop:
      if (finished(current)) return std::nullopt;
      return campaign_status::cancelled;
  }
  return std::nullopt;
}

date_gate gate_at(const campaign_plan& plan, epoch_ms now) {
  if (plan.end_at && now >= *plan.end_at) return date_gate::past_end;
  if (plan.start_at && now < *plan.start_at) return date_gate::wait_for_start;
  return date_gate::open;
}

bool editable(campaign_status s) {
  return s == campaign_status::draft || s == campaign_status::paused;
}

bool dials(campaign_status s) { return s == campaign_status::running; }

bool finished(campaign_status s) {
  return s == campaign_status::completed || s == campaign_status::cancelled;
}

}  // namespace dialer

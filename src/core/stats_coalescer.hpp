#pragma once

#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "core/live_event.hpp"

namespace dialer {

/// Holds campaign.stats events so that each campaign's stats go out at most once per interval:
/// a snapshot offered too soon after the last one sent replaces any snapshot already waiting
/// (only the latest matters) and goes out when the interval has passed. Time is passed in.
class stats_coalescer {
 public:
  /// A coalescer releasing each campaign's stats at most once per `interval_ms`.
  explicit stats_coalescer(epoch_ms interval_ms = 1000) : interval_ms_(interval_ms) {}

  /// Offers a snapshot at `now`: returned to send at once when the campaign's interval has
  /// passed, else kept (replacing an older waiting one) and nullopt returned.
  std::optional<live_event> offer(live_event stats, epoch_ms now);

  /// Takes the waiting snapshots whose interval has passed at `now`, oldest campaign key first.
  std::vector<live_event> take_due(epoch_ms now);

  /// When the next waiting snapshot is due, if any waits.
  std::optional<epoch_ms> next_due() const;

  /// How many campaigns have a snapshot waiting.
  std::size_t waiting() const { return waiting_.size(); }

 private:
  using campaign_key = std::pair<id_t, id_t>;  ///< (tenant, campaign)

  epoch_ms interval_ms_;
  std::map<campaign_key, epoch_ms> last_sent_;
  std::map<campaign_key, live_event> waiting_;
};

}  // namespace dialer

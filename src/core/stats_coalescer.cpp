#include "core/stats_coalescer.hpp"

namespace dialer {

std::optional<live_event> stats_coalescer::offer(live_event stats, epoch_ms now) {
  campaign_key key{stats.tenant_id, stats.campaign_id};
  auto sent = last_sent_.find(key);
  bool free_to_send = sent == last_sent_.end() || now - sent->second >= interval_ms_;
  if (free_to_send && !waiting_.count(key)) {
    last_sent_[key] = now;
    return stats;
  }
  waiting_.insert_or_assign(key, std::move(stats));
  return std::nullopt;
}

std::vector<live_event> stats_coalescer::take_due(epoch_ms now) {
  std::vector<live_event> due;
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    auto sent = last_sent_.find(it->first);
    if (sent != last_sent_.end() && now - sent->second < interval_ms_) {
      ++it;
      continue;
    }
    last_sent_[it->first] = now;
    due.push_back(std::move(it->second));
    it = waiting_.erase(it);
  }
  return due;
}

std::optional<epoch_ms> stats_coalescer::next_due() const {
  std::optional<epoch_ms> earliest;
  for (const auto& [key, ev] : waiting_) {
    auto sent = last_sent_.find(key);
    epoch_ms at = sent == last_sent_.end() ? 0 : sent->second + interval_ms_;
    if (!earliest || at < *earliest) earliest = at;
  }
  return earliest;
}

}  // namespace dialer

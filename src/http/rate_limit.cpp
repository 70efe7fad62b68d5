#include "http/rate_limit.hpp"

namespace dialer::http {

tenant_rate_limiter::tenant_rate_limiter(double requests_per_second, double burst)
    : rate_(requests_per_second), burst_(burst) {}

admission tenant_rate_limiter::admit(id_t tenant_id, epoch_ms now) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = buckets_.find(tenant_id);
  if (it == buckets_.end())
    it = buckets_.emplace(tenant_id, token_bucket(rate_, burst_, now)).first;
  if (it->second.try_take(now)) return {};
  return {false, it->second.wait_ms(now)};
}

}  // namespace dialer::http

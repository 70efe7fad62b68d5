#pragma once

#include <cstdint>
#include <mutex>
#include <unordered_map>

#include "core/domain.hpp"
#include "core/token_bucket.hpp"

namespace dialer::http {

/// Whether a tenant's request may proceed, and if not, when it may retry.
struct admission {
  bool admitted = true;
  std::int64_t retry_after_ms = 0;  ///< when refused: time until the next token
};

/// The per-tenant request rate limit of the API: one token bucket per tenant, in memory,
/// created full on the tenant's first request. Thread-safe.
class tenant_rate_limiter {
 public:
  /// Each tenant gets `requests_per_second` (> 0) with bursts of up to `burst` requests.
  tenant_rate_limiter(double requests_per_second, double burst);

  /// Admits one request of `tenant_id` at `now`, or tells how long to wait.
  admission admit(id_t tenant_id, epoch_ms now);

 private:
  const double rate_;
  const double burst_;
  std::mutex mutex_;
  std::unordered_map<id_t, token_bucket> buckets_;
};

}  // namespace dialer::http

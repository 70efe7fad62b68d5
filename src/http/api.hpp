#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/clock.hpp"
#include "core/domain.hpp"

namespace prometheus {
class Registry;
}
namespace dialer {
class compliance_policy;
}

namespace dialer::storage {
class database;
class inbox_writer;
}
namespace dialer::actors {
class engine;
class engine_metrics;
class blocking_pool;
}  // namespace dialer::actors

namespace dialer::http {

class router;
class tenant_rate_limiter;

/// Everything the API handlers use; owned by main.
struct api_context {
  storage::database& db;
  actors::engine& engine;
  actors::blocking_pool& pool;  ///< where handlers run their blocking database work
  const clock_source& clock;
  actors::engine_metrics& metrics;
  prometheus::Registry& registry;
  std::string jwt_secret;
  std::int64_t token_ttl_s = 24 * 3600;
  std::string retell_api_key;  ///< the platform account's key: checks webhook signatures
  std::shared_ptr<tenant_rate_limiter> request_limits;  ///< per-tenant rate; null: unlimited
  const compliance_policy* policy = nullptr;  ///< country rules and phone zones (required)
  storage::inbox_writer* inbox = nullptr;  ///< group commit of incoming webhooks (required)
};

/// Registers every route of the API (API.md) on `routes`.
void register_routes(router& routes, api_context& api);

}  // namespace dialer::http

#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/domain.hpp"
#include "retell/retry_after.hpp"

namespace dialer::retell {

/// A create-phone-call request (RETELL.md "Calls out").
struct create_call_request {
  std::string from_number;
  std::string to_number;
  std::string override_agent_id;                         ///< omitted when empty
  std::map<std::string, std::string> metadata;           ///< sent as a JSON object of strings
  std::map<std::string, std::string> dynamic_variables;  ///< retell_llm_dynamic_variables
};

/// The result of one provider request.
struct provider_reply {
  /// HTTP status; 0 when no answer arrived (connect error, timeout).
  unsigned status = 0;
  /// The provider's Retry-After, when it sent a readable one.
  std::optional<retell::retry_after> retry_after;
  /// Error text: the provider's "message", or the transport error.
  std::string error;
  /// True for answers worth retrying: no answer, 408, 409, 429, 5xx.
  bool retryable() const;
  /// True for 2xx.
  bool ok() const { return status >= 200 && status < 300; }
};

/// The requests the engine makes of one provider account. retell::client is the real one;
/// actor tests put a scripted one in its place. Callbacks may run on any thread.
class provider_api {
 public:
  /// Answer of create-phone-call and get-call: the call when the provider returned one.
  using call_done = std::function<void(provider_reply, std::optional<provider_call>)>;
  /// Answer of list-calls.
  using calls_done = std::function<void(provider_reply, std::vector<provider_call>)>;
  /// Answer of get-concurrency: calls in progress and the account's limit.
  using concurrency_done =
      std::function<void(provider_reply, std::int64_t current, std::int64_t limit)>;

  virtual ~provider_api() = default;
  /// POST /v2/create-phone-call; never resent (the provider has no idempotency key).
  virtual void create_phone_call(const create_call_request& req, call_done done) = 0;
  /// GET /v2/get-call/{call_id}.
  virtual void get_call(const std::string& call_id, call_done done) = 0;
  /// POST /v2/list-calls filtered by metadata key = value.
  virtual void list_calls_by_metadata(const std::string& key, const std::string& value,
                                      calls_done done) = 0;
  /// GET /get-concurrency.
  virtual void get_concurrency(concurrency_done done) = 0;
};

}  // namespace dialer::retell

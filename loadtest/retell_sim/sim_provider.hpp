#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "retell_sim/call_script.hpp"
#include "retell_sim/command_line.hpp"
#include "retell_sim/random_source.hpp"
#include "retell_sim/sim_call.hpp"
#include "retell_sim/webhook_dispatcher.hpp"

namespace dialer::sim {

/// An HTTP answer of the simulated provider, independent of the transport.
struct api_reply {
  unsigned status = 200;
  std::string body;                                 ///< JSON text; empty for 204
  std::chrono::milliseconds delay{0};               ///< how long the session waits before answering
  std::optional<std::int64_t> retry_after_seconds;  ///< sent as Retry-After
};

/// One create-phone-call request as received, for GET /sim/record.
struct create_record {
  std::string call_id;                     ///< empty when no call was placed
  std::optional<std::string> from_number;  ///< when given as a string
  std::optional<std::string> to_number;    ///< when given as a string
  std::string metadata_json = "null";      ///< the metadata as received, or null
  std::int64_t received_at_ms = 0;
  bool accepted = false;  ///< answered 201
  unsigned status = 0;    ///< the HTTP status answered
  std::string reason;     ///< why refused or ended at once; may be empty
};

/// The simulated Retell account: it places calls, plays their lifecycle on timers, sends
/// webhooks, and keeps every call and create request for inspection. Single-threaded: all
/// calls must come from the io_context's thread.
class sim_provider {
 public:
  /// A provider using `io` for its timers and `webhooks` for delivery; `now_ms` is the wall
  /// clock for call timestamps.
  sim_provider(boost::asio::io_context& io, const sim_options& options,
               webhook_dispatcher& webhooks, std::function<std::int64_t()> now_ms);
  ~sim_provider();
  sim_provider(const sim_provider&) = delete;
  sim_provider& operator=(const sim_provider&) = delete;

  /// True when `authorization` is "Bearer <api key>".
  bool authorized(std::string_view authorization) const;

  /// POST /v2/create-phone-call.
  api_reply create_phone_call(std::string_view body);
  /// GET /v2/get-call/{call_id}.
  api_reply get_call(std::string_view call_id) const;
  /// POST /v2/list-calls (a JSON array) or, with `paged`, /v3/list-calls ({items, has_more,
  /// pagination_key}).
  api_reply list_calls(std::string_view body, bool paged = false) const;
  /// GET /get-concurrency.
  api_reply concurrency() const;

  /// GET /sim/record; without `with_creates` the (possibly long) creates list is left out.
  api_reply record(bool with_creates = true) const;
  /// GET /sim/config.
  api_reply config() const;
  /// POST /sim/config.
  api_reply configure(std::string_view body);
  /// POST /sim/reset: clears the create record and the counters, not the calls.
  api_reply reset();

  /// The current settings.
  const sim_settings& settings() const { return settings_; }
  /// Calls counted against the concurrency limit right now.
  std::int64_t current_concurrency() const { return current_concurrency_; }

 private:
  struct live_call;

  api_reply refuse(create_record& entry, unsigned status, std::string_view reason,
                   std::string message, std::optional<std::int64_t> retry_after = std::nullopt);
  sim_call& add_call(std::string agent_id, std::string from, std::string to);
  std::string new_call_id();
  void schedule(const std::shared_ptr<live_call>& live, double simulated_seconds,
                void (sim_provider::*step)(const std::shared_ptr<live_call>&));
  void schedule_real(const std::shared_ptr<live_call>& live, std::chrono::milliseconds delay,
                     void (sim_provider::*step)(const std::shared_ptr<live_call>&));
  void on_ring_over(const std::shared_ptr<live_call>& live);
  void on_transcript_update(const std::shared_ptr<live_call>& live);
  void on_end(const std::shared_ptr<live_call>& live);
  void on_concurrency_error(const std::shared_ptr<live_call>& live);
  void on_analyzed(const std::shared_ptr<live_call>& live);
  void send_ended(const std::shared_ptr<live_call>& live);
  void emit(std::string body, std::function<void()> after = nullptr);

  boost::asio::io_context& io_;
  std::string api_key_;
  sim_settings settings_;
  webhook_dispatcher& webhooks_;
  std::function<std::int64_t()> now_ms_;
  random_source random_;
  std::deque<sim_call> calls_;  ///< creation order; never shrinks, so references stay valid
  std::unordered_map<std::string, std::size_t> index_;
  std::vector<create_record> creates_;
  std::int64_t current_concurrency_ = 0;
  std::int64_t peak_concurrency_ = 0;
  std::uint64_t calls_ended_ = 0;
  std::uint64_t calls_analyzed_ = 0;
  std::uint64_t started_dropped_ = 0;
  std::uint64_t reordered_ = 0;
  std::uint64_t duplicated_ = 0;
  std::shared_ptr<bool> alive_;
};

}  // namespace dialer::sim

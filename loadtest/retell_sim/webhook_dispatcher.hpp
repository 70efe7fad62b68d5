#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "retell_sim/http_url.hpp"
#include "retell_sim/webhook_connection.hpp"

namespace dialer::sim {

/// How webhooks are delivered.
struct webhook_policy {
  std::size_t max_connections = 32;          ///< open connections to the target at most
  std::chrono::milliseconds timeout{10000};  ///< per attempt step (connect, write, read)
  int retries = 3;                           ///< further attempts after a failed one
  std::chrono::milliseconds backoff{100};    ///< delay before the first retry, doubled after
};

/// What the dispatcher has done since start or the last reset.
struct webhook_counters {
  std::uint64_t delivered = 0;  ///< events answered 2xx
  std::uint64_t failed = 0;     ///< events given up after all retries
  std::uint64_t attempts = 0;   ///< requests sent (first tries and retries)
  std::uint64_t retried = 0;    ///< retries scheduled
  std::uint64_t skipped = 0;    ///< events not sent because no webhook URL is set
};

/// Delivers signed webhook bodies to the current webhook URL over a small pool of
/// keep-alive connections, with retries and backoff. Runs on one io_context thread.
class webhook_dispatcher {
 public:
  /// Called once per event: true when some attempt was answered 2xx.
  using completion = std::function<void(bool delivered)>;

  /// A dispatcher signing with `api_key`; `now_ms` gives the wall clock for signatures.
  webhook_dispatcher(boost::asio::io_context& io, webhook_policy policy, std::string api_key,
                     std::function<std::int64_t()> now_ms);

  /// Points deliveries at `url` ("" = none) and resolves its host now; returns an error
  /// message (nothing changed) or an empty string. Idle connections to the old URL are dropped.
  std::string set_target(const std::string& url);

  /// Queues one event body (sent byte for byte, signed per attempt).
  void deliver(std::string body, completion done = nullptr);

  /// The counters since start or the last reset.
  const webhook_counters& counters() const { return counters_; }

  /// Zeroes the counters.
  void reset_counters() { counters_ = {}; }

  /// Events not settled yet: waiting for a connection or a retry, or being sent.
  std::size_t backlog() const { return waiting_.size() + retry_waiting_ + in_flight_; }

 private:
  struct delivery {
    std::shared_ptr<const std::string> body;
    int attempt = 0;
    bool stale_retry_used = false;
    completion done;
  };

  void pump();
  void start(const std::shared_ptr<webhook_connection>& conn, delivery d);
  void finish(const std::shared_ptr<webhook_connection>& conn, delivery d,
              const exchange_result& result);
  void retry_later(delivery d);
  void release(const std::shared_ptr<webhook_connection>& conn, bool reusable);
  void drop_idle();

  boost::asio::io_context& io_;
  webhook_policy policy_;
  std::string api_key_;
  std::function<std::int64_t()> now_ms_;
  std::optional<http_url> target_;
  std::string host_header_;
  boost::asio::ip::tcp::resolver::results_type endpoints_;
  std::uint64_t generation_ = 0;
  std::deque<delivery> waiting_;
  std::vector<std::shared_ptr<webhook_connection>> idle_;
  std::size_t open_ = 0;
  std::size_t retry_waiting_ = 0;
  std::size_t in_flight_ = 0;
  webhook_counters counters_;
};

}  // namespace dialer::sim

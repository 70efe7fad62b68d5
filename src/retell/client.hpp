#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/domain.hpp"
#include "retell/provider_api.hpp"

namespace boost {
namespace asio {
class io_context;
}
}  // namespace boost

namespace dialer::retell {

/// One finished provider request, as told to client_options::on_request_done (no bodies, no ids).
struct request_observation {
  std::string_view operation;  ///< create_phone_call, get_call, list_calls or get_concurrency
  unsigned status = 0;         ///< HTTP status; 0 when no answer arrived
  double seconds = 0;          ///< from the call to the answer, waiting for a connection included
};

/// Where and how to reach one provider account.
struct client_options {
  std::string base_url = "https://api.retellai.com";  ///< http:// or https://, no trailing /
  std::string api_key;
  /// Whole-request budget: waiting for a connection slot, connect, TLS handshake, write, read.
  std::chrono::milliseconds request_timeout{10'000};
  std::size_t max_idle_connections = 64;  ///< keep-alive connections kept per account
  /// Connections open at once (in use or being opened); further requests queue. 0 = no cap.
  std::size_t max_connections = 256;
  /// An idle pooled connection older than this is closed instead of reused.
  std::chrono::milliseconds idle_timeout{30'000};
  /// https only: verify the server certificate chain and host name (never disable in production).
  bool verify_peer = true;
  /// https only: PEM file of trusted CAs used instead of the system store; empty = system store.
  std::string ca_file;
  /// Told of every finished request on an I/O thread, before its caller's callback; must be
  /// quick and thread-safe (metrics). Empty: nobody is told.
  std::function<void(const request_observation&)> on_request_done;
};

/// Decodes a Retell call object (JSON text) into a provider_call; nullopt when not an object.
std::optional<provider_call> decode_call(std::string_view json);

/// Decodes a webhook body {"event", "call"}; nullopt when malformed.
std::optional<webhook_event> decode_webhook(std::string_view json);

/// Encodes a create-phone-call body.
std::string encode_create_call(const create_call_request& req);

/// Asynchronous Retell HTTP client (Beast, plain HTTP and TLS) running on the caller's
/// io_context. Callbacks run on that io_context's threads; methods may be called from any
/// thread. Keeps idle keep-alive connections for reuse and caps open connections.
class client final : public provider_api {
 public:
  /// Creates a client for one provider account; throws std::invalid_argument on a bad URL
  /// or an unreadable ca_file.
  client(boost::asio::io_context& io, client_options options);
  /// Closes idle connections; requests already made still complete and call back.
  ~client() override;
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  /// POST /v2/create-phone-call; on 201 the decoded call is returned. Never resent by the
  /// client: status 0 means the call may or may not have been placed.
  void create_phone_call(const create_call_request& req, call_done done) override;
  /// GET /v2/get-call/{call_id}.
  void get_call(const std::string& call_id, call_done done) override;
  /// POST /v2/list-calls filtered by metadata key = value (e.g. attempt_id), newest first.
  void list_calls_by_metadata(const std::string& key, const std::string& value,
                              calls_done done) override;
  /// GET /get-concurrency -> {current_concurrency, concurrency_limit}.
  void get_concurrency(concurrency_done done) override;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace dialer::retell

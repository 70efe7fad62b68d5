// GET /ws: the live event stream of the caller's tenant over WebSocket.

#include <spdlog/spdlog.h>

#include <cctype>

#include "actors/engine.hpp"
#include "actors/engine_metrics.hpp"
#include "actors/event_sink.hpp"
#include "http/api_support.hpp"
#include "http/event_codec.hpp"
#include "http/handlers.hpp"
#include "http/websocket_channel.hpp"

namespace dialer::http {
namespace {

/// RFC 6455 close codes the stream uses besides 1013 (queue full) and 1001 (server stopping).
constexpr std::uint16_t close_policy_violation = 1008;
constexpr std::uint16_t close_going_away = 1001;

/// A WebSocket client as the event hub sees it: renders each event to JSON and queues it on
/// the connection; a full queue drops the client (counted) and the hub forgets it.
class event_subscriber final : public actors::event_sink {
 public:
  event_subscriber(std::weak_ptr<websocket_channel> channel, actors::engine_metrics& metrics)
      : channel_(std::move(channel)), metrics_(metrics) {}

  bool deliver(std::shared_ptr<const live_event> ev) override {
    auto channel = channel_.lock();
    if (!channel) return false;
    switch (channel->send(render_live_event(*ev))) {
      case websocket_channel::send_result::queued:
        return true;
      case websocket_channel::send_result::overflow:
        metrics_.websocket_dropped();
        spdlog::warn("live events: a client of tenant {} could not keep up: closed with 1013",
                     ev->tenant_id);
        return false;
      case websocket_channel::send_result::closed:
        return false;
    }
    return false;
  }

 private:
  std::weak_ptr<websocket_channel> channel_;
  actors::engine_metrics& metrics_;
};

bool asks_for_websocket(const request& req) {
  std::string upgrade = req.header("upgrade");
  for (char& c : upgrade) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return upgrade.find("websocket") != std::string::npos;
}

/// Runs on the connection's strand once the handshake is done: subscribes the client to its
/// tenant's events and narrows the stream on each subscribe message.
websocket_acceptor stream_events(api_context& api, id_t tenant_id) {
  return [&api, tenant_id](std::shared_ptr<websocket_channel> channel) {
    auto sink = std::make_shared<event_subscriber>(channel, api.metrics);
    api.metrics.websocket_clients_add(1);
    channel->on_closed([&api, sink] {
      api.metrics.websocket_clients_add(-1);
      api.engine.unsubscribe_events(sink);
    });
    channel->on_message([&api, sink, tenant_id](websocket_channel& ch, std::string text) {
      auto wanted = parse_subscribe_message(text);
      if (!wanted) {
        ch.close_with(close_policy_violation, R"(expected {"subscribe": {"campaign_id": <id>}})");
        return;
      }
      // A campaign of another tenant is never matched: the tenant comes from the credentials.
      api.engine.subscribe_events(sink, subscription_filter{tenant_id, wanted->campaign_id}, true);
    });
    if (!api.engine.subscribe_events(sink, subscription_filter{tenant_id, std::nullopt}))
      channel->close_with(close_going_away, "the engine is not running");
  };
}

}  // namespace

void add_event_routes(router& r, api_context& api) {
  auto upgrade = authenticated(api, [&api](const request& req, const principal& who) {
    if (!asks_for_websocket(req)) {
      response refused =
          error_response(426, "UPGRADE_REQUIRED", "GET /ws is a WebSocket: send an upgrade request",
                         req.request_id);
      refused.headers.emplace_back("Upgrade", "websocket");
      return refused;
    }
    if (!api.engine.running())
      return error_response(503, "UNAVAILABLE", "The engine is not running", req.request_id);
    response accepted;
    accepted.upgrade = stream_events(api, who.tenant_id);
    return accepted;
  });
  r.add("GET", "/ws", [upgrade](request&& req, responder respond) {
    // Browsers cannot set headers on a WebSocket: the credential may come as ?token= instead.
    if (req.header("authorization").empty())
      if (const auto* token = req.query_param("token"))
        req.headers["authorization"] = "Bearer " + *token;
    upgrade(std::move(req), std::move(respond));
  });
}

}  // namespace dialer::http

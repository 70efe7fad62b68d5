#include "retell_sim/webhook_dispatcher.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>

#include "retell/signature.hpp"

namespace dialer::sim {

namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

webhook_dispatcher::webhook_dispatcher(boost::asio::io_context& io, webhook_policy policy,
                                       std::string api_key, std::function<std::int64_t()> now_ms)
    : io_(io), policy_(policy), api_key_(std::move(api_key)), now_ms_(std::move(now_ms)) {}

std::string webhook_dispatcher::set_target(const std::string& url) {
  if (url.empty()) {
    target_.reset();
    endpoints_ = {};
    ++generation_;
    drop_idle();
    return {};
  }
  auto parsed = parse_http_url(url);
  if (!parsed) return "webhook_url must look like http://host:port/path";
  boost::system::error_code ec;
  tcp::resolver resolver(io_);
  auto results = resolver.resolve(parsed->host, parsed->port, ec);
  if (ec || results.empty())
    return "cannot resolve webhook host '" + parsed->host + "': " + ec.message();
  endpoints_ = results;
  target_ = *parsed;
  bool ipv6_literal = parsed->host.find(':') != std::string::npos;
  host_header_ = (ipv6_literal ? "[" + parsed->host + "]" : parsed->host) + ":" + parsed->port;
  ++generation_;
  drop_idle();
  return {};
}

void webhook_dispatcher::drop_idle() {
  for (auto& conn : idle_) {
    conn->close();
    --open_;
  }
  idle_.clear();
}

void webhook_dispatcher::deliver(std::string body, completion done) {
  delivery d;
  d.body = std::make_shared<const std::string>(std::move(body));
  d.done = std::move(done);
  waiting_.push_back(std::move(d));
  pump();
}

void webhook_dispatcher::pump() {
  while (!waiting_.empty()) {
    if (!target_) {
      delivery d = std::move(waiting_.front());
      waiting_.pop_front();
      ++counters_.skipped;
      if (d.done) d.done(false);
      continue;
    }
    std::shared_ptr<webhook_connection> conn;
    while (!idle_.empty() && !conn) {
      conn = std::move(idle_.back());
      idle_.pop_back();
      if (conn->generation() != generation_) {
        conn->close();
        --open_;
        conn.reset();
      }
    }
    if (!conn) {
      if (open_ >= policy_.max_connections) return;
      conn = std::make_shared<webhook_connection>(io_, generation_);
      ++open_;
    }
    delivery d = std::move(waiting_.front());
    waiting_.pop_front();
    start(conn, std::move(d));
  }
}

void webhook_dispatcher::start(const std::shared_ptr<webhook_connection>& conn, delivery d) {
  auto req = std::make_shared<webhook_connection::request>(http::verb::post, target_->target, 11);
  req->set(http::field::host, host_header_);
  req->set(http::field::user_agent, "retell-sim");
  req->set(http::field::content_type, "application/json");
  req->set("x-retell-signature", retell::sign_webhook(*d.body, api_key_, now_ms_()));
  req->keep_alive(true);
  req->body() = *d.body;
  req->prepare_payload();
  ++counters_.attempts;
  ++in_flight_;
  conn->exchange(std::move(req), endpoints_, policy_.timeout,
                 [this, conn, d = std::move(d)](exchange_result result) mutable {
                   finish(conn, std::move(d), result);
                 });
}

void webhook_dispatcher::finish(const std::shared_ptr<webhook_connection>& conn, delivery d,
                                const exchange_result& result) {
  const bool ok = !result.error && result.status >= 200 && result.status < 300;
  --in_flight_;
  release(conn, !result.error && result.keep_alive);
  if (ok) {
    ++counters_.delivered;
    if (d.done) d.done(true);
  } else if (result.error && result.error != boost::beast::error::timeout && result.reused &&
             !d.stale_retry_used) {
    // A kept-alive connection the target had already closed: resend at once on a fresh
    // connection without counting a retry.
    d.stale_retry_used = true;
    waiting_.push_front(std::move(d));
  } else if (d.attempt < policy_.retries) {
    retry_later(std::move(d));
  } else {
    ++counters_.failed;
    if (d.done) d.done(false);
  }
  pump();
}

void webhook_dispatcher::retry_later(delivery d) {
  ++counters_.retried;
  auto delay = policy_.backoff * (1 << d.attempt);
  ++d.attempt;
  ++retry_waiting_;
  auto timer = std::make_shared<boost::asio::steady_timer>(io_, delay);
  timer->async_wait([this, timer, d = std::move(d)](const boost::system::error_code&) mutable {
    --retry_waiting_;
    waiting_.push_back(std::move(d));
    pump();
  });
}

void webhook_dispatcher::release(const std::shared_ptr<webhook_connection>& conn, bool reusable) {
  if (reusable && conn->generation() == generation_) {
    idle_.push_back(conn);
  } else {
    conn->close();
    --open_;
  }
}

}  // namespace dialer::sim

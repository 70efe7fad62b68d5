// dialerd: wires the storage, provider client, actor engine and HTTP server together.

#include <prometheus/registry.h>
#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <cstring>
#include <iostream>
#include <thread>

#include "actors/blocking_pool.hpp"
#include "actors/engine.hpp"
#include "actors/engine_metrics.hpp"
#include "app/config_file.hpp"
#include "core/engine_config.hpp"
#include "http/api.hpp"
#include "http/compliance_data.hpp"
#include "http/rate_limit.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "log/log_event.hpp"
#include "retell/client.hpp"
#include "storage/database.hpp"
#include "storage/inbox_writer.hpp"

/// jemalloc's settings for dialerd (the MALLOC_CONF variable overrides them): two arenas, and a
/// background thread that gives freed pages back, so memory follows the calls held.
extern "C" const char* malloc_conf;
const char* malloc_conf = "narenas:2,background_thread:true";

namespace {

void print_usage() {
  std::cout << "usage: dialerd [--config FILE] [--check-config] [--print-routes]\n\n"
               "configuration keys (file) and overrides (env):\n";
  for (const auto& k : dialer::config_keys())
    std::cout << "  " << k.name << (k.env ? std::string(" [") + k.env + "]" : "") << "  "
              << k.description << "\n";
}

int run(const dialer::engine_config& cfg, bool print_routes) {
  using namespace dialer;
  // Both values were validated with the configuration.
  log::configure(log::parse_format(cfg.log_format).value_or(log::line_format::json),
                 log::parse_level(cfg.log_level).value_or(log::level::info));

  // The engine and the API have their own connections, so a burst of engine work never makes
  // the API (or the webhook inbox) wait for a connection.
  storage::database db(cfg.database_url, static_cast<std::size_t>(cfg.database_pool_size));
  storage::database api_db(cfg.database_url, static_cast<std::size_t>(cfg.http_workers) + 1);
  int applied = db.migrate();
  spdlog::info("database ready ({} migrations applied)", applied);

  prometheus::Registry registry;
  actors::engine_metrics metrics(registry);

  boost::asio::io_context io;
  retell::client_options provider_options;
  provider_options.base_url = cfg.retell_base_url;
  provider_options.api_key = cfg.retell_api_key;
  provider_options.request_timeout = std::chrono::milliseconds(cfg.retell_timeout_ms);
  provider_options.on_request_done = [&metrics](const retell::request_observation& o) {
    metrics.provider_request(o.operation, o.status, o.seconds);
  };
  retell::client provider(io, provider_options);
  // A tenant's own account (PUT /settings/provider): same I/O, timeouts and observer, its own
  // key and (when it set one) base URL.
  actors::provider_client_factory own_accounts =
      [&io, provider_options](const provider_account& account) {
        auto options = provider_options;
        options.api_key = account.api_key;
        if (!account.base_url.empty()) options.base_url = account.base_url;
        return std::make_shared<retell::client>(io, std::move(options));
      };

  std::vector<std::string> policy_errors;
  auto policy =
      http::load_compliance_policy(cfg.country_rules_file, cfg.phone_zones_file, policy_errors);
  if (!policy) {
    for (const auto& e : policy_errors) std::cerr << "dialerd: " << e << "\n";
    return 2;
  }
  system_clock_source clock;
  actors::engine_options engine_opts;
  engine_opts.scheduler_threads = static_cast<std::size_t>(cfg.scheduler_threads);
  engine_opts.scheduler_policy = cfg.scheduler_policy;
  engine_opts.storage_threads = static_cast<std::size_t>(cfg.storage_threads);
  engine_opts.journal_writers = static_cast<std::size_t>(cfg.journal_writers);
  engine_opts.hopper_batch = static_cast<std::int32_t>(cfg.hopper_batch);
  engine_opts.standby_dials = static_cast<std::int32_t>(cfg.standby_dials);
  engine_opts.standby_max_age = std::chrono::milliseconds(cfg.standby_max_age_ms);
  engine_opts.call_grace = std::chrono::milliseconds(cfg.call_grace_ms);
  engine_opts.idle_recheck = std::chrono::milliseconds(cfg.idle_recheck_ms);
  engine_opts.account_concurrency = cfg.retell_concurrency_limit;
  engine_opts.unregistered_number_calls_per_second =
      static_cast<double>(cfg.retell_unregistered_number_calls_per_second);
  actors::engine engine(db, provider, own_accounts, clock, metrics, *policy, engine_opts);

  // Webhooks are committed in groups; declared before the handler pool that feeds it, so the
  // pool stops first and the writer then stores what is still queued.
  storage::inbox_writer inbox(api_db);
  actors::blocking_pool http_pool(static_cast<std::size_t>(cfg.http_workers));
  http::api_context api{api_db,
                        engine,
                        http_pool,
                        clock,
                        metrics,
                        registry,
                        cfg.jwt_secret,
                        cfg.token_ttl_s,
                        cfg.retell_api_key,
                        nullptr};
  api.policy = policy.get();
  api.inbox = &inbox;
  if (cfg.tenant_requests_per_second > 0)
    api.request_limits = std::make_shared<http::tenant_rate_limiter>(
        static_cast<double>(cfg.tenant_requests_per_second),
        static_cast<double>(cfg.tenant_request_burst));
  http::router routes;
  http::register_routes(routes, api);
  if (print_routes) {
    for (const auto& [method, pattern] : routes.routes())
      std::cout << method << " " << pattern << "\n";
    return 0;
  }
  http::server_options server_opts;
  server_opts.host = cfg.listen_host;
  server_opts.port = cfg.listen_port;
  server_opts.max_body_bytes = static_cast<std::size_t>(cfg.max_body_bytes);
  server_opts.read_timeout = std::chrono::milliseconds(cfg.read_timeout_ms);
  server_opts.websocket_queue_messages = static_cast<std::size_t>(cfg.websocket_queue_events);
  server_opts.websocket_idle_timeout = std::chrono::seconds(cfg.websocket_ping_s);
  server_opts.on_handler_error = [](const std::string& request_id, const std::string& what) {
    log::log_event(log::level::error, "request failed in its handler",
                   log::fields().request_id(request_id).add("error", what));
  };
  server_opts.on_request_done = [](const http::access_record& a) {
    log::log_event(a.status >= 500 ? log::level::warn : log::level::info, "http request",
                   log::fields()
                       .request_id(a.request_id)
                       .tenant_id(a.tenant_id)
                       .add("method", a.method)
                       .add("path", a.path)
                       .add("status", a.status)
                       .add("duration_ms", a.seconds * 1000.0));
  };
  http::server server(io, server_opts, routes);

  // Order matters: I/O threads first (the engine's first dials go through the provider
  // client), then the engine (it replays stored webhooks), and only then the listener, so that
  // no webhook can be stored before the engine is there to apply it.
  auto work = boost::asio::make_work_guard(io);
  std::vector<std::thread> io_threads;
  for (std::int64_t i = 0; i < cfg.io_threads; ++i) io_threads.emplace_back([&io] { io.run(); });
  engine.start();
  server.start();
  std::cout << "dialerd listening on http://" << cfg.listen_host << ":" << server.port()
            << std::endl;
  spdlog::info("listening on {}:{}", cfg.listen_host, server.port());

  boost::asio::io_context signals_io;
  boost::asio::signal_set signals(signals_io, SIGINT, SIGTERM);
  signals.async_wait([](const boost::system::error_code&, int sig) {
    spdlog::info("signal {}: shutting down", sig);
  });
  signals_io.run();

  // WebSocket clients get their 1001 close frame while the I/O threads still run.
  server.stop();
  if (!server.wait_closed(std::chrono::seconds(2)))
    spdlog::warn("some connections did not close in time");
  engine.stop();
  work.reset();
  io.stop();
  for (auto& t : io_threads) t.join();
  spdlog::info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string config_path;
  bool check_only = false;
  bool print_routes = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
      config_path = argv[++i];
    } else if (std::strcmp(argv[i], "--check-config") == 0) {
      check_only = true;
    } else if (std::strcmp(argv[i], "--print-routes") == 0) {
      print_routes = true;
    } else if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      print_usage();
      return 0;
    } else {
      std::cerr << "dialerd: unknown argument '" << argv[i] << "' (try --help)\n";
      return 2;
    }
  }
  try {
    std::map<std::string, std::string> file_values;
    if (!config_path.empty()) file_values = dialer::app::read_config_file(config_path);
    auto result = dialer::build_engine_config(file_values, dialer::app::environment());
    if (!result.errors.empty()) {
      std::cerr << "dialerd: invalid configuration:\n";
      for (const auto& e : result.errors) std::cerr << "  - " << e << "\n";
      return 2;
    }
    if (check_only) {
      std::cout << "dialerd: configuration is valid\n";
      return 0;
    }
    return run(result.config, print_routes);
  } catch (const std::exception& e) {
    std::cerr << "dialerd: " << e.what() << "\n";
    return 1;
  }
}

// retell_sim: a simulated Retell AI provider for tests and load tests (see usage_text()).
#include <chrono>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>

#include "retell_sim/api_router.hpp"
#include "retell_sim/command_line.hpp"
#include "retell_sim/listener.hpp"
#include "retell_sim/sim_provider.hpp"
#include "retell_sim/webhook_dispatcher.hpp"

namespace {

std::int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace dialer::sim;
  std::vector<std::string> args(argv + 1, argv + argc);
  command_line_result parsed = parse_command_line(args);
  if (parsed.help) {
    std::cout << usage_text();
    return 0;
  }
  if (!parsed.options) {
    std::cerr << "retell_sim: " << parsed.error << "\n(see retell_sim --help)\n";
    return 2;
  }
  const sim_options& options = *parsed.options;

  boost::asio::io_context io(1);
  webhook_policy policy;
  policy.max_connections = options.webhook_connections;
  policy.timeout = std::chrono::milliseconds(options.webhook_timeout_ms);
  policy.retries = options.webhook_retries;
  policy.backoff = std::chrono::milliseconds(options.webhook_backoff_ms);
  webhook_dispatcher webhooks(io, policy, options.api_key, wall_clock_ms);
  if (std::string problem = webhooks.set_target(options.settings.webhook_url); !problem.empty()) {
    std::cerr << "retell_sim: --webhook-url: " << problem << '\n';
    return 2;
  }
  sim_provider provider(io, options, webhooks, wall_clock_ms);
  auto handler = std::make_shared<const request_handler>(
      [&provider](const api_request& request) { return route_request(provider, request); });

  boost::asio::ip::tcp::endpoint endpoint;
  try {
    boost::asio::ip::tcp::resolver resolver(io);
    endpoint = *resolver
                    .resolve(options.listen_host, std::to_string(options.listen_port),
                             boost::asio::ip::tcp::resolver::passive)
                    .begin();
  } catch (const boost::system::system_error& e) {
    std::cerr << "retell_sim: --listen: cannot resolve '" << options.listen_host
              << "': " << e.code().message() << '\n';
    return 2;
  }
  std::shared_ptr<listener> server;
  try {
    server = std::make_shared<listener>(io, endpoint, handler);
  } catch (const boost::system::system_error& e) {
    std::cerr << "retell_sim: cannot listen on " << options.listen_host << ':'
              << options.listen_port << ": " << e.code().message() << '\n';
    return 1;
  }
  server->run();

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) {
    server->stop();
    io.stop();
  });

  std::cout << "LISTENING " << server->port() << std::endl;
  io.run();
  return 0;
}

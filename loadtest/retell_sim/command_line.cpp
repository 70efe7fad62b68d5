#include "retell_sim/command_line.hpp"

#include <charconv>
#include <cmath>
#include <functional>
#include <map>

#include "retell_sim/http_url.hpp"

namespace dialer::sim {
namespace {

bool read_double(const std::string& text, double& out) {
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() ||
      !std::isfinite(value))
    return false;
  out = value;
  return true;
}

template <typename Int>
bool read_int(const std::string& text, Int& out) {
  Int value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) return false;
  out = value;
  return true;
}

using setter = std::function<std::string(sim_options&, const std::string&)>;

setter number_option(double sim_settings::*field) {
  return [field](sim_options& o, const std::string& v) -> std::string {
    return read_double(v, o.settings.*field) ? "" : "expects a number";
  };
}

setter integer_setting(std::int64_t sim_settings::*field) {
  return [field](sim_options& o, const std::string& v) -> std::string {
    return read_int(v, o.settings.*field) ? "" : "expects an integer";
  };
}

const std::map<std::string, setter>& value_options() {
  static const std::map<std::string, setter> table = {
      {"listen",
       [](sim_options& o, const std::string& v) -> std::string {
         auto hp = parse_host_port(v);
         if (!hp) return "expects host:port";
         o.listen_host = hp->first;
         o.listen_port = hp->second;
         return "";
       }},
      {"api-key",
       [](sim_options& o, const std::string& v) -> std::string {
         if (v.empty()) return "expects a non-empty key";
         o.api_key = v;
         return "";
       }},
      {"webhook-url",
       [](sim_options& o, const std::string& v) -> std::string {
         o.settings.webhook_url = v;
         return "";
       }},
      {"time-scale", number_option(&sim_settings::time_scale)},
      {"concurrency-limit", integer_setting(&sim_settings::concurrency_limit)},
      {"concurrency-mode",
       [](sim_options& o, const std::string& v) -> std::string {
         auto mode = concurrency_mode_from_string(v);
         if (!mode) return "expects error or 429";
         o.settings.over_limit = *mode;
         return "";
       }},
      {"retry-after-seconds", integer_setting(&sim_settings::retry_after_seconds)},
      {"mix",
       [](sim_options& o, const std::string& v) -> std::string {
         auto parsed = parse_outcome_mix(v);
         if (!parsed.mix) return parsed.error;
         o.settings.mix = *parsed.mix;
         return "";
       }},
      {"mean-call-seconds", number_option(&sim_settings::mean_call_seconds)},
      {"ring-seconds", number_option(&sim_settings::ring_seconds)},
      {"analysis-seconds", number_option(&sim_settings::analysis_seconds)},
      {"seed",
       [](sim_options& o, const std::string& v) -> std::string {
         return read_int(v, o.seed) ? "" : "expects an unsigned integer";
       }},
      {"fail-429-ratio", number_option(&sim_settings::fail_429_ratio)},
      {"fail-500-ratio", number_option(&sim_settings::fail_500_ratio)},
      {"slow-ms", integer_setting(&sim_settings::slow_ms)},
      {"duplicate-webhook-ratio", number_option(&sim_settings::duplicate_webhook_ratio)},
      {"reorder-webhooks-ratio", number_option(&sim_settings::reorder_webhooks_ratio)},
      {"drop-call-started-ratio", number_option(&sim_settings::drop_call_started_ratio)},
      {"webhook-connections",
       [](sim_options& o, const std::string& v) -> std::string {
         return read_int(v, o.webhook_connections) && o.webhook_connections >= 1 &&
                        o.webhook_connections <= 4096
                    ? ""
                    : "expects an integer from 1 to 4096";
       }},
      {"webhook-timeout-ms",
       [](sim_options& o, const std::string& v) -> std::string {
         return read_int(v, o.webhook_timeout_ms) && o.webhook_timeout_ms >= 1
                    ? ""
                    : "expects an integer >= 1";
       }},
      {"webhook-retries",
       [](sim_options& o, const std::string& v) -> std::string {
         return read_int(v, o.webhook_retries) && o.webhook_retries >= 0 && o.webhook_retries <= 10
                    ? ""
                    : "expects an integer from 0 to 10";
       }},
      {"webhook-backoff-ms",
       [](sim_options& o, const std::string& v) -> std::string {
         return read_int(v, o.webhook_backoff_ms) && o.webhook_backoff_ms >= 0 &&
                        o.webhook_backoff_ms <= 60000
                    ? ""
                    : "expects an integer from 0 to 60000";
       }},
  };
  return table;
}

}  // namespace

command_line_result parse_command_line(const std::vector<std::string>& args) {
  sim_options options;
  bool have_key = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") return {std::nullopt, true, {}};
    if (arg.rfind("--", 0) != 0 || arg.size() == 2)
      return {std::nullopt, false, "unexpected argument '" + arg + "'"};
    std::string name = arg.substr(2);
    std::optional<std::string> value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    if (name == "transcript-updated") {
      if (value && *value != "true" && *value != "false")
        return {std::nullopt, false, "--transcript-updated takes no value (or =true/=false)"};
      options.settings.transcript_updated = !value || *value == "true";
      continue;
    }
    auto it = value_options().find(name);
    if (it == value_options().end())
      return {std::nullopt, false, "unknown option '--" + name + "'"};
    if (!value) {
      if (i + 1 >= args.size()) return {std::nullopt, false, "--" + name + " needs a value"};
      value = args[++i];
    }
    if (std::string problem = it->second(options, *value); !problem.empty())
      return {std::nullopt, false, "--" + name + " " + problem + " (got '" + *value + "')"};
    if (name == "api-key") have_key = true;
  }
  if (!have_key) return {std::nullopt, false, "--api-key is required"};
  if (std::string problem = validate(options.settings); !problem.empty())
    return {std::nullopt, false, problem};
  return {options, false, {}};
}

std::string usage_text() {
  return R"(retell_sim: a simulated Retell AI provider on plain HTTP (for tests and load tests)

usage: retell_sim --api-key KEY [options]

  --listen HOST:PORT            where to listen (default 127.0.0.1:0, 0 = any free port);
                                prints "LISTENING <port>" on stdout once ready
  --api-key KEY                 required Bearer key for /v2 calls; also signs the webhooks
  --webhook-url URL             http://host:port/path receiving the webhooks (default none)
  --time-scale F                simulated seconds per real second (default 1)
  --concurrency-limit N         account concurrency limit (default 20)
  --concurrency-mode error|429  over the limit: 201 + call ends in error (default), or 429
  --retry-after-seconds N       Retry-After on 429 answers (default 1)
  --mix answered=60,no_answer=15,busy=10,voicemail=10,failed=5
                                outcome weights; outcomes left out get 0
  --mean-call-seconds S         mean simulated length of answered calls (default 120)
  --ring-seconds S              simulated ring before dial_no_answer (default 20)
  --analysis-seconds S          simulated delay from call_ended to call_analyzed (default 5)
  --transcript-updated          send one transcript_updated event per connected call
  --seed N                      random seed (default 1)
  --fail-429-ratio R            share of creates answered 429 (default 0)
  --fail-500-ratio R            share of creates answered 500 (default 0)
  --slow-ms N                   real delay before answering each create (default 0)
  --duplicate-webhook-ratio R   share of events delivered twice (default 0)
  --reorder-webhooks-ratio R    share of calls whose call_started comes after call_ended
  --drop-call-started-ratio R   share of calls whose call_started is never sent
  --webhook-connections N       keep-alive connections to the webhook target (default 32)
  --webhook-timeout-ms N        timeout of one delivery attempt (default 10000)
  --webhook-retries N           retries after a failed delivery (default 3)
  --webhook-backoff-ms N        first retry delay, doubled per retry (default 100)

Fault, mix, timing and webhook settings can be changed at runtime with POST /sim/config.
Bad options: a message on stderr and exit code 2.
)";
}

}  // namespace dialer::sim

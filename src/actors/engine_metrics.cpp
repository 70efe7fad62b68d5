#include "actors/engine_metrics.hpp"

#include <dirent.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace dialer::actors {
namespace {

using prometheus::Histogram;

/// Seconds of short, local work: database jobs, webhook answers, dispatch.
const Histogram::BucketBoundaries& fast_buckets() {
  static const Histogram::BucketBoundaries b{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                             0.1,    0.25,  0.5,    1,     2.5,  5};
  return b;
}

/// Seconds of provider requests (remote, TLS, a few seconds at worst).
const Histogram::BucketBoundaries& provider_buckets() {
  static const Histogram::BucketBoundaries b{0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                             0.5,   1,    2.5,   5,    10,  30};
  return b;
}

std::string tenant_label(std::int64_t tenant_id) {
  return std::to_string(tenant_id);
}

/// The status label of a provider answer: the HTTP code, or "none" when nothing came back.
std::string status_label(unsigned status) {
  return status == 0 ? std::string("none") : std::to_string(status);
}

prometheus::MetricFamily gauge_family(const char* name, const char* help, double value) {
  prometheus::MetricFamily f;
  f.name = name;
  f.help = help;
  f.type = prometheus::MetricType::Gauge;
  prometheus::ClientMetric m;
  m.gauge.value = value;
  f.metric.push_back(m);
  return f;
}

std::string read_text(const char* path) {
  std::ifstream in(path);
  if (!in) return {};
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// The number that follows `key` in `text` (first one on that line), if any.
std::optional<double> number_after(const std::string& text, std::string_view key) {
  auto at = text.find(key);
  if (at == std::string::npos) return std::nullopt;
  const char* p = text.c_str() + at + key.size();
  char* end = nullptr;
  double v = std::strtod(p, &end);
  if (end == p) return std::nullopt;
  return v;
}

std::optional<double> count_open_fds() {
  DIR* dir = opendir("/proc/self/fd");
  if (!dir) return std::nullopt;
  double n = 0;
  while (auto* entry = readdir(dir))
    if (entry->d_name[0] != '.') ++n;
  closedir(dir);
  return n - 1;  // the descriptor of the directory being read
}

}  // namespace

std::optional<process_sample> parse_proc_stat(std::string_view stat, double ticks_per_second,
                                              double page_bytes, double boot_time_s) {
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so fields start after
  // the last ')'.
  auto close = stat.rfind(')');
  if (close == std::string_view::npos || ticks_per_second <= 0) return std::nullopt;
  std::vector<std::string_view> fields;
  std::string_view rest = stat.substr(close + 1);
  while (!rest.empty()) {
    auto start = rest.find_first_not_of(" \n");
    if (start == std::string_view::npos) break;
    rest.remove_prefix(start);
    auto end = rest.find_first_of(" \n");
    fields.push_back(rest.substr(0, end));
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end);
  }
  // Field numbers of proc(5), counted from `state` (field 3) as index 0.
  constexpr std::size_t utime = 11, stime = 12, starttime = 19, vsize = 20, rss = 21;
  if (fields.size() <= rss) return std::nullopt;
  auto number = [&](std::size_t i, double& out) {
    std::int64_t v = 0;
    auto f = fields[i];
    auto [end, ec] = std::from_chars(f.data(), f.data() + f.size(), v);
    if (ec != std::errc{} || end != f.data() + f.size()) return false;
    out = static_cast<double>(v);
    return true;
  };
  double u = 0, s = 0, start = 0, vm = 0, pages = 0;
  if (!number(utime, u) || !number(stime, s) || !number(starttime, start) || !number(vsize, vm) ||
      !number(rss, pages))
    return std::nullopt;
  process_sample out;
  out.cpu_seconds = (u + s) / ticks_per_second;
  out.start_time_seconds = boot_time_s + start / ticks_per_second;
  out.virtual_memory_bytes = vm;
  out.resident_memory_bytes = pages * page_bytes;
  return out;
}

std::optional<process_sample> read_process_sample() {
  auto boot = number_after(read_text("/proc/stat"), "\nbtime ");
  auto sample =
      parse_proc_stat(read_text("/proc/self/stat"), static_cast<double>(sysconf(_SC_CLK_TCK)),
                      static_cast<double>(sysconf(_SC_PAGESIZE)), boot.value_or(0));
  if (!sample) return std::nullopt;
  sample->open_fds = count_open_fds();
  sample->max_fds = number_after(read_text("/proc/self/limits"), "Max open files");
  return sample;
}

engine_metrics::engine_metrics(prometheus::Registry& r)
    : registry_(r),
      dials_(prometheus::BuildCounter()
                 .Name("dialer_dials_total")
                 .Help("create-phone-call requests answered, by tenant and result")
                 .Register(r)),
      outcomes_(prometheus::BuildCounter()
                    .Name("dialer_call_outcomes_total")
                    .Help("calls that reached an outcome, by tenant and disposition")
                    .Register(r)),
      active_calls_(prometheus::BuildGauge()
                        .Name("dialer_active_calls")
                        .Help("provider lines in use (dialing or connected), by tenant")
                        .Register(r)),
      blocked_(prometheus::BuildCounter()
                   .Name("dialer_dispatch_blocked_total")
                   .Help("leads not dialled when due, by tenant and compliance or limit reason")
                   .Register(r)),
      dispatch_latency_(prometheus::BuildHistogram()
                            .Name("dialer_dispatch_latency_seconds")
                            .Help("time from the decision to dial a lead to its create request")
                            .Register(r)
                            .Add({}, fast_buckets())),
      slot_refill_(prometheus::BuildHistogram()
                       .Name("dialer_slot_refill_seconds")
                       .Help("time from a call's line freed to the create request of the dial "
                             "that took it at once")
                       .Register(r)
                       .Add({}, fast_buckets())),
      standby_dials_(prometheus::BuildCounter()
                         .Name("dialer_standby_dials_total")
                         .Help("dials journalled ahead of a free line: sent on a freed line, or "
                               "withdrawn before")
                         .Register(r)),
      budget_spent_(prometheus::BuildGauge()
                        .Name("dialer_budget_spent_cents")
                        .Help("budget spent this month, by tenant")
                        .Register(r)),
      budget_reserved_(prometheus::BuildGauge()
                           .Name("dialer_budget_reserved_cents")
                           .Help("budget reserved by calls in flight, by tenant")
                           .Register(r)),
      campaigns_(prometheus::BuildGauge()
                     .Name("dialer_campaigns")
                     .Help("campaign actors, by campaign status")
                     .Register(r)),
      provider_seconds_(prometheus::BuildHistogram()
                            .Name("dialer_provider_request_seconds")
                            .Help("provider API requests, by operation")
                            .Register(r)),
      provider_errors_(prometheus::BuildCounter()
                           .Name("dialer_provider_errors_total")
                           .Help("provider API requests without a 2xx answer, by operation and "
                                 "HTTP status (none: no answer)")
                           .Register(r)),
      account_in_use_(prometheus::BuildGauge()
                          .Name("dialer_account_lines_in_use")
                          .Help("lines a provider account uses now, by account")
                          .Register(r)),
      account_limit_(prometheus::BuildGauge()
                         .Name("dialer_account_lines_limit")
                         .Help("lines a provider account may use at once (0: not known yet)")
                         .Register(r)),
      creates_waiting_(prometheus::BuildGauge()
                           .Name("dialer_provider_creates_waiting")
                           .Help("create requests held in a provider account's gateway, by "
                                 "account")
                           .Register(r)),
      provider_retries_(prometheus::BuildCounter()
                            .Name("dialer_provider_retries_total")
                            .Help("provider requests asked again after an answer worth retrying, "
                                  "by operation")
                            .Register(r)),
      webhooks_(prometheus::BuildCounter()
                    .Name("dialer_webhook_events_total")
                    .Help("provider webhooks received, by event and result")
                    .Register(r)),
      webhook_ack_(prometheus::BuildHistogram()
                       .Name("dialer_webhook_ack_seconds")
                       .Help("time from webhook arrival to its answer")
                       .Register(r)
                       .Add({}, Histogram::BucketBoundaries{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                            0.1, 0.25, 1})),
      restarts_(prometheus::BuildCounter()
                    .Name("dialer_actor_restarts_total")
                    .Help("actors restarted by their parent, by kind")
                    .Register(r)),
      storage_retries_(prometheus::BuildCounter()
                           .Name("dialer_storage_retries_total")
                           .Help("storage jobs that failed and were retried")
                           .Register(r)
                           .Add({})),
      storage_queue_(prometheus::BuildHistogram()
                         .Name("dialer_storage_queue_seconds")
                         .Help("time a blocking database job waited for a worker")
                         .Register(r)
                         .Add({}, fast_buckets())),
      storage_run_(prometheus::BuildHistogram()
                       .Name("dialer_storage_job_seconds")
                       .Help("time a blocking database job (its commit included) ran, by result")
                       .Register(r)),
      websocket_clients_(prometheus::BuildGauge()
                             .Name("dialer_websocket_clients")
                             .Help("WebSocket clients connected to the live event stream")
                             .Register(r)
                             .Add({})),
      websocket_dropped_(prometheus::BuildCounter()
                             .Name("dialer_websocket_dropped_total")
                             .Help("WebSocket clients disconnected (1013) for not keeping up")
                             .Register(r)
                             .Add({})) {
  // Series known in advance start at zero, so that "none yet" reads as 0 rather than absent.
  for (auto kind : {"tenant", "campaign", "campaign_escalated", "call"})
    restarts_.Add({{"kind", kind}});
  for (auto op : {"get_call", "list_calls", "get_concurrency"})
    provider_retries_.Add({{"operation", op}});
  for (auto s : {campaign_status::draft, campaign_status::scheduled, campaign_status::running,
                 campaign_status::paused, campaign_status::completed, campaign_status::cancelled})
    campaigns_.Add({{"status", std::string(to_string(s))}});
  for (auto result : {"ok", "failed"}) storage_run_.Add({{"result", result}}, fast_buckets());
}

std::vector<prometheus::MetricFamily> engine_metrics::collect() const {
  auto families = registry_.Collect();
  auto sample = read_process_sample();
  if (!sample) return families;
  prometheus::MetricFamily cpu;
  cpu.name = "process_cpu_seconds_total";
  cpu.help = "user and system CPU time of the process, seconds";
  cpu.type = prometheus::MetricType::Counter;
  prometheus::ClientMetric m;
  m.counter.value = sample->cpu_seconds;
  cpu.metric.push_back(m);
  families.push_back(std::move(cpu));
  families.push_back(gauge_family("process_resident_memory_bytes", "resident memory size, bytes",
                                  sample->resident_memory_bytes));
  families.push_back(gauge_family("process_virtual_memory_bytes", "virtual memory size, bytes",
                                  sample->virtual_memory_bytes));
  families.push_back(gauge_family("process_start_time_seconds",
                                  "process start time, seconds since the Unix epoch",
                                  sample->start_time_seconds));
  if (sample->open_fds)
    families.push_back(
        gauge_family("process_open_fds", "open file descriptors", *sample->open_fds));
  if (sample->max_fds)
    families.push_back(
        gauge_family("process_max_fds", "limit of open file descriptors", *sample->max_fds));
  return families;
}

void engine_metrics::dial(std::int64_t tenant_id, std::string_view result) {
  dials_.Add({{"tenant", tenant_label(tenant_id)}, {"result", std::string(result)}}).Increment();
}

void engine_metrics::outcome(std::int64_t tenant_id, disposition d) {
  outcomes_.Add({{"tenant", tenant_label(tenant_id)}, {"disposition", std::string(to_string(d))}})
      .Increment();
}

void engine_metrics::active_calls_add(std::int64_t tenant_id, double delta) {
  active_calls_.Add({{"tenant", tenant_label(tenant_id)}}).Increment(delta);
}

double engine_metrics::active_calls() const {
  double total = 0;
  for (const auto& family : active_calls_.Collect())
    for (const auto& m : family.metric) total += m.gauge.value;
  return total;
}

void engine_metrics::dispatch_blocked(std::int64_t tenant_id, std::string_view reason) {
  blocked_.Add({{"tenant", tenant_label(tenant_id)}, {"reason", std::string(reason)}}).Increment();
}

void engine_metrics::dispatch_latency_seconds(double s) {
  dispatch_latency_.Observe(s);
}

void engine_metrics::slot_refill_seconds(double s) {
  slot_refill_.Observe(s);
}

void engine_metrics::standby_dial(std::string_view result) {
  standby_dials_.Add({{"result", std::string(result)}}).Increment();
}

void engine_metrics::budget_change(std::int64_t tenant_id, double spent_delta,
                                   double reserved_delta) {
  budget_spent_.Add({{"tenant", tenant_label(tenant_id)}}).Increment(spent_delta);
  budget_reserved_.Add({{"tenant", tenant_label(tenant_id)}}).Increment(reserved_delta);
}

void engine_metrics::campaign_status_change(std::string_view from, std::string_view to) {
  if (!from.empty()) campaigns_.Add({{"status", std::string(from)}}).Decrement();
  if (!to.empty()) campaigns_.Add({{"status", std::string(to)}}).Increment();
}

void engine_metrics::provider_request(std::string_view operation, unsigned status, double seconds) {
  provider_seconds_.Add({{"operation", std::string(operation)}}, provider_buckets())
      .Observe(seconds);
  if (status < 200 || status >= 300)
    provider_errors_.Add({{"operation", std::string(operation)}, {"status", status_label(status)}})
        .Increment();
}

void engine_metrics::account_lines(std::string_view account, double in_use, double limit) {
  account_in_use_.Add({{"account", std::string(account)}}).Set(in_use);
  account_limit_.Add({{"account", std::string(account)}}).Set(limit);
}

void engine_metrics::creates_waiting(std::string_view account, double waiting) {
  creates_waiting_.Add({{"account", std::string(account)}}).Set(waiting);
}

void engine_metrics::provider_retry(std::string_view operation) {
  provider_retries_.Add({{"operation", std::string(operation)}}).Increment();
}

void engine_metrics::webhook(std::string_view event, std::string_view result) {
  webhooks_.Add({{"event", std::string(event)}, {"result", std::string(result)}}).Increment();
}

void engine_metrics::webhook_ack_seconds(double s) {
  webhook_ack_.Observe(s);
}

void engine_metrics::actor_restart(std::string_view kind) {
  restarts_.Add({{"kind", std::string(kind)}}).Increment();
}

void engine_metrics::storage_retry() {
  storage_retries_.Increment();
}

void engine_metrics::storage_job(double queued_s, double run_s, bool ok) {
  storage_queue_.Observe(queued_s);
  storage_run_.Add({{"result", ok ? "ok" : "failed"}}, fast_buckets()).Observe(run_s);
}
// Live events over WebSocket (issue 5).

void engine_metrics::websocket_clients_add(double delta) {
  websocket_clients_.Increment(delta);
}

double engine_metrics::websocket_clients() const {
  return websocket_clients_.Value();
}

void engine_metrics::websocket_dropped() {
  websocket_dropped_.Increment();
}

}  // namespace dialer::actors

#include "actors/engine_metrics.hpp"

#include <gtest/gtest.h>

#include <set>

#include "metric_reading.hpp"

namespace dialer::actors {
namespace {

using test::series_value;

class engine_metrics_test : public ::testing::Test {
 protected:
  engine_metrics_test() : metrics_(registry_) {}

  std::optional<double> value(const std::string& name,
                              const std::map<std::string, std::string>& labels = {}) {
    return series_value(registry_.Collect(), name, labels);
  }

  prometheus::Registry registry_;
  engine_metrics metrics_;
};

TEST_F(engine_metrics_test, dials_outcomes_and_lines_are_counted_per_tenant) {
  metrics_.dial(7, "accepted");
  metrics_.dial(7, "accepted");
  metrics_.dial(8, "refused");
  metrics_.outcome(7, disposition::answered);
  metrics_.active_calls_add(7, 1);
  metrics_.active_calls_add(8, 1);
  metrics_.active_calls_add(8, 1);
  metrics_.active_calls_add(8, -1);
  EXPECT_EQ(value("dialer_dials_total", {{"tenant", "7"}, {"result", "accepted"}}), 2);
  EXPECT_EQ(value("dialer_dials_total", {{"tenant", "8"}, {"result", "refused"}}), 1);
  EXPECT_EQ(value("dialer_call_outcomes_total", {{"tenant", "7"}, {"disposition", "answered"}}), 1);
  EXPECT_EQ(value("dialer_active_calls", {{"tenant", "8"}}), 1);
  EXPECT_EQ(metrics_.active_calls(), 2);
}

TEST_F(engine_metrics_test, campaign_dispatch_metrics_have_the_agreed_shape) {
  metrics_.dispatch_blocked(3, "dnc");
  metrics_.dispatch_blocked(3, "dnc");
  metrics_.dispatch_blocked(3, "hourly_cap");
  metrics_.dispatch_latency_seconds(0.002);
  metrics_.slot_refill_seconds(0.004);
  metrics_.slot_refill_seconds(0.009);
  metrics_.budget_change(3, 1200, 300);   // one campaign reserves and spends
  metrics_.budget_change(3, 300, -300);   // it settles its hold
  metrics_.budget_change(4, 50, 0);       // another tenant's campaign
  metrics_.budget_change(3, 500, 100);    // a second campaign of the same tenant
  metrics_.budget_change(3, -500, -100);  // ... ends and takes its share back
  EXPECT_EQ(value("dialer_dispatch_blocked_total", {{"tenant", "3"}, {"reason", "dnc"}}), 2);
  EXPECT_EQ(value("dialer_dispatch_blocked_total", {{"tenant", "3"}, {"reason", "hourly_cap"}}), 1);
  EXPECT_EQ(value("dialer_dispatch_latency_seconds"), 1) << "one observation";
  EXPECT_EQ(value("dialer_slot_refill_seconds"), 2) << "two refills";
  EXPECT_EQ(value("dialer_budget_spent_cents", {{"tenant", "3"}}), 1500);
  EXPECT_EQ(value("dialer_budget_reserved_cents", {{"tenant", "3"}}), 0);
  EXPECT_EQ(value("dialer_budget_spent_cents", {{"tenant", "4"}}), 50);
}

TEST_F(engine_metrics_test, campaigns_by_status_start_at_zero_and_follow_each_change) {
  for (auto s : {"draft", "scheduled", "running", "paused", "completed", "cancelled"})
    EXPECT_EQ(value("dialer_campaigns", {{"status", s}}), 0) << s;
  metrics_.campaign_status_change("", "running");
  metrics_.campaign_status_change("", "scheduled");
  metrics_.campaign_status_change("scheduled", "running");
  metrics_.campaign_status_change("running", "paused");
  metrics_.campaign_status_change("paused", "");
  EXPECT_EQ(value("dialer_campaigns", {{"status", "running"}}), 1);
  EXPECT_EQ(value("dialer_campaigns", {{"status", "scheduled"}}), 0);
  EXPECT_EQ(value("dialer_campaigns", {{"status", "paused"}}), 0);
}

TEST_F(engine_metrics_test, provider_requests_are_timed_by_operation_and_errors_counted_by_status) {
  metrics_.provider_request("create_phone_call", 201, 0.05);
  metrics_.provider_request("create_phone_call", 429, 0.01);
  metrics_.provider_request("create_phone_call", 0, 10);
  metrics_.provider_request("get_call", 500, 0.2);
  EXPECT_EQ(value("dialer_provider_request_seconds", {{"operation", "create_phone_call"}}), 3);
  EXPECT_EQ(value("dialer_provider_errors_total",
                  {{"operation", "create_phone_call"}, {"status", "429"}}),
            1);
  EXPECT_EQ(value("dialer_provider_errors_total",
                  {{"operation", "create_phone_call"}, {"status", "none"}}),
            1);
  EXPECT_EQ(value("dialer_provider_errors_total", {{"operation", "get_call"}, {"status", "500"}}),
            1);
  EXPECT_FALSE(value("dialer_provider_errors_total", {{"status", "201"}})) << "2xx is no error";
  metrics_.account_lines("platform", 4, 20);
  EXPECT_EQ(value("dialer_account_lines_in_use", {{"account", "platform"}}), 4);
  EXPECT_EQ(value("dialer_account_lines_limit", {{"account", "platform"}}), 20);
}

TEST_F(engine_metrics_test, reliability_series_exist_at_zero_before_anything_happens) {
  for (auto kind : {"campaign", "campaign_escalated", "call"})
    EXPECT_EQ(value("dialer_actor_restarts_total", {{"kind", kind}}), 0) << kind;
  EXPECT_EQ(value("dialer_storage_retries_total"), 0);
  metrics_.actor_restart("call");
  metrics_.storage_job(0.001, 0.004, true);
  metrics_.storage_job(0.001, 0.5, false);
  EXPECT_EQ(value("dialer_actor_restarts_total", {{"kind", "call"}}), 1);
  EXPECT_EQ(value("dialer_storage_job_seconds", {{"result", "ok"}}), 1);
  EXPECT_EQ(value("dialer_storage_job_seconds", {{"result", "failed"}}), 1);
  EXPECT_EQ(value("dialer_storage_queue_seconds"), 2);
}

TEST_F(engine_metrics_test, collect_adds_the_process_metrics_to_the_registry) {
  auto families = metrics_.collect();
  std::set<std::string> names;
  for (const auto& f : families) names.insert(f.name);
  for (auto name :
       {"dialer_webhook_ack_seconds", "process_cpu_seconds_total", "process_resident_memory_bytes",
        "process_start_time_seconds", "process_open_fds", "process_max_fds"})
    EXPECT_TRUE(names.count(name)) << name;
  EXPECT_GT(*series_value(families, "process_resident_memory_bytes"), 0);
  EXPECT_GT(*series_value(families, "process_open_fds"), 0);
  EXPECT_GT(*series_value(families, "process_start_time_seconds"), 1.5e9);
}

TEST(process_stat, fields_are_read_after_the_command_name_whatever_it_holds) {
  // proc(5): pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
  // utime stime cutime cstime priority nice threads itrealvalue starttime vsize rss ...
  std::string line =
      "4242 (dial (er) d) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 50 0 0 20 0 9 0 "
      "12000 104857600 2560 18446744073709551615 1 1 0 0 0 0 0 0 0\n";
  auto s = parse_proc_stat(line, 100, 4096, 1'700'000'000);
  ASSERT_TRUE(s);
  EXPECT_DOUBLE_EQ(s->cpu_seconds, 3.0);
  EXPECT_DOUBLE_EQ(s->start_time_seconds, 1'700'000'120.0);
  EXPECT_DOUBLE_EQ(s->virtual_memory_bytes, 104857600.0);
  EXPECT_DOUBLE_EQ(s->resident_memory_bytes, 2560.0 * 4096);
  EXPECT_FALSE(s->open_fds);
}

TEST(process_stat, a_short_or_garbled_line_is_no_sample) {
  EXPECT_FALSE(parse_proc_stat("", 100, 4096, 0));
  EXPECT_FALSE(parse_proc_stat("1 (x) S 1 2 3", 100, 4096, 0));
  EXPECT_FALSE(
      parse_proc_stat("1 (x) S 1 1 1 0 -1 0 0 0 0 0 abc 50 0 0 20 0 9 0 1 2 3", 100, 4096, 0));
  EXPECT_TRUE(read_process_sample()) << "this process has a /proc entry";
}

}  // namespace
}  // namespace dialer::actors

// Deterministic tests of the provider gateway on CAF's test scheduler, with a scripted provider
// in place of the Retell client: creates paced per caller number (counting requests in flight),
// Retry-After honoured (creates held, look-ups asked again), the account's line limit read from
// get-concurrency, and calls followed again after a restart holding lines. The last tests run
// the whole chain (engine root, campaign, call actors, gateway) on an in-memory journal.

#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <caf/all.hpp>

#include <deque>
#include <map>
#include <set>

#include "actors/engine_context.hpp"
#include "actors/engine_root.hpp"
#include "actors/messages.hpp"
#include "actors/provider_gateway.hpp"
#include "engine_test_bed.hpp"
#include "fake_store.hpp"
#include "metric_reading.hpp"
#include "retell/provider_api.hpp"
#include "stub_provider.hpp"

namespace dialer::actors::test {
namespace {

constexpr id_t tenant = 7;
constexpr id_t campaign = 70;
constexpr epoch_ms start_time = 1'767'225'600'000;  // 2026-01-01T00:00:00Z

/// A provider answer: status, and the Retry-After wait it carried (ms), if any.
struct scripted_reply {
  unsigned status = 200;
  std::optional<std::int64_t> retry_after_ms;
};

retell::provider_reply reply_of(const scripted_reply& s) {
  retell::provider_reply r;
  r.status = s.status;
  if (s.retry_after_ms) r.retry_after = retell::retry_after{s.retry_after_ms, std::nullopt};
  if (s.status < 200 || s.status >= 300) r.error = "scripted " + std::to_string(s.status);
  return r;
}

/// The provider as the test scripts it: answers each request at once (by default: create 201,
/// look-ups find an ongoing call, get-concurrency the `limit`), or as the queued replies say,
/// and records what it was asked and when (on the manual clock).
class scripted_provider final : public retell::provider_api {
 public:
  explicit scripted_provider(const clock_source& clock) : clock_(clock) {}

  struct create_seen {
    retell::create_call_request request;
    epoch_ms at = 0;
  };
  std::vector<create_seen> creates;
  std::vector<std::pair<std::string, epoch_ms>> lookups;  ///< (call id or attempt id, when)
  std::vector<epoch_ms> concurrency_reads;
  std::deque<scripted_reply> create_replies;       ///< next create answers (then 201)
  std::deque<scripted_reply> lookup_replies;       ///< next look-up answers (then 200)
  std::deque<scripted_reply> concurrency_replies;  ///< next get-concurrency answers (then 200)
  std::int64_t limit = 20;
  bool answer_creates = true;  ///< false: creates stay in flight (answered by the test)
  std::vector<call_done> unanswered_creates;

  void create_phone_call(const retell::create_call_request& req, call_done done) override {
    creates.push_back({req, clock_.now_ms()});
    if (!answer_creates) {
      unanswered_creates.push_back(std::move(done));
      return;
    }
    if (!create_replies.empty()) {
      auto s = create_replies.front();
      create_replies.pop_front();
      done(reply_of(s), std::nullopt);
      return;
    }
    retell::provider_reply ok;
    ok.status = 201;
    provider_call c;
    c.call_id = "call_" + req.metadata.at("attempt_id");
    c.call_status = "registered";
    done(ok, c);
  }

  void get_call(const std::string& call_id, call_done done) override {
    lookups.emplace_back(call_id, clock_.now_ms());
    auto r = next_lookup_reply();
    std::optional<provider_call> c;
    if (r.ok()) {
      c.emplace();
      c->call_id = call_id;
      c->call_status = "ongoing";
    }
    done(r, c);
  }

  void list_calls_by_metadata(const std::string&, const std::string& value,
                              calls_done done) override {
    lookups.emplace_back(value, clock_.now_ms());
    done(next_lookup_reply(), {});
  }

  void get_concurrency(concurrency_done done) override {
    concurrency_reads.push_back(clock_.now_ms());
    scripted_reply s;
    if (!concurrency_replies.empty()) {
      s = concurrency_replies.front();
      concurrency_replies.pop_front();
    }
    done(reply_of(s), 0, s.status == 200 ? limit : 0);
  }

  /// Creates sent from `from_number`, with the time each left.
  std::vector<epoch_ms> creates_from(const std::string& from_number) const {
    std::vector<epoch_ms> out;
    for (const auto& c : creates)
      if (c.request.from_number == from_number) out.push_back(c.at);
    return out;
  }

 private:
  retell::provider_reply next_lookup_reply() {
    scripted_reply s;
    if (!lookup_replies.empty()) {
      s = lookup_replies.front();
      lookup_replies.pop_front();
    }
    return reply_of(s);
  }

  const clock_source& clock_;
};

/// What one stand-in call actor heard from the gateway.
struct probe_log {
  std::vector<dial_result> dials;
  std::vector<std::pair<sync_result, epoch_ms>> syncs;
};

/// Stands in for a call actor: forwards the test's requests to the gateway as its own and
/// records the answers.
caf::behavior probe(caf::event_based_actor* self, caf::actor gateway, probe_log* log,
                    const clock_source* clock) {
  return {
      [=](dial_atom, const dial_attempt& a) { self->send(gateway, dial_atom::value, a); },
      [=](sync_atom, const dial_attempt& a, const std::string& call_id) {
        self->send(gateway, sync_atom::value, a, call_id);
      },
      [=](line_taken_atom, const dial_attempt& a) {
        self->send(gateway, line_taken_atom::value, a);
      },
      [=](line_freed_atom, id_t attempt_id) {
        self->send(gateway, line_freed_atom::value, attempt_id);
      },
      [=](dial_result_atom, dial_result& r) { log->dials.push_back(std::move(r)); },
      [=](synced_atom, sync_result& r) { log->syncs.emplace_back(std::move(r), clock->now_ms()); },
  };
}

/// The most creates of `times` (sorted) inside any window [s, s + 1000 ms).
std::size_t most_in_one_second(const std::vector<epoch_ms>& times) {
  std::size_t most = 0;
  std::size_t j = 0;
  for (std::size_t i = 0; i < times.size(); ++i) {
    while (times[i] - times[j] >= 1000) ++j;
    most = std::max(most, i - j + 1);
  }
  return most;
}

class gateway_test : public ::testing::Test {
 protected:
  gateway_test() : clock_(start_time), metrics_(registry_), provider_(clock_) {
    config_.set("scheduler.policy", caf::atom("testing"));
    config_.set("logger.verbosity", caf::atom("quiet"));
    system_ = std::make_unique<caf::actor_system>(config_);
    sched_ = &dynamic_cast<caf::scheduler::test_coordinator&>(system_->scheduler());
    options_.jitter_seed = 42;
  }

  ~gateway_test() override {
    for (auto& p : probes_) caf::anon_send_exit(p, caf::exit_reason::user_shutdown);
    if (gateway_) caf::anon_send_exit(gateway_, caf::exit_reason::user_shutdown);
    run();
  }

  void start_gateway() {
    gateway_ = spawn_provider_gateway(*system_, provider_, clock_, options_, metrics_);
    run();
  }

  void run() { sched_->run(); }

  /// Moves the manual clock and CAF's test clock together in steps of `step`, running after
  /// each, so that timers fire when they are due.
  void advance(std::chrono::milliseconds d,
               std::chrono::milliseconds step = std::chrono::milliseconds(10)) {
    while (d.count() > 0) {
      auto s = std::min(d, step);
      clock_.advance(s.count());
      sched_->advance_time(s);
      run();
      d -= s;
    }
  }

  static dial_attempt attempt(id_t id, std::string from, std::int32_t rate = 0) {
    dial_attempt a;
    a.attempt_id = id;
    a.tenant_id = tenant;
    a.campaign_id = campaign;
    a.lead_id = id;
    a.from_number = std::move(from);
    a.to_number = "+1212555" + std::to_string(1000 + id);
    a.caller_calls_per_second = rate;
    return a;
  }

  /// An attempt from a number of its own (so that no caller rate holds it).
  static dial_attempt lone(id_t id) { return attempt(id, "+1415666" + std::to_string(1000 + id)); }

  /// A new stand-in call actor; its answers go to logs_[index].
  std::size_t new_probe() {
    logs_.push_back(std::make_unique<probe_log>());
    probes_.push_back(system_->spawn(probe, gateway_, logs_.back().get(), &clock_));
    return probes_.size() - 1;
  }

  /// A stand-in call actor asks to dial `a`; returns its index.
  std::size_t dial(const dial_attempt& a) {
    auto i = new_probe();
    caf::anon_send(probes_[i], dial_atom::value, a);
    run();
    return i;
  }

  double metric(const std::string& name, const std::map<std::string, std::string>& labels) {
    return series_value(registry_.Collect(), name, labels).value_or(-1);
  }

  caf::actor_system_config config_;
  std::unique_ptr<caf::actor_system> system_;
  caf::scheduler::test_coordinator* sched_ = nullptr;
  manual_clock clock_;
  prometheus::Registry registry_;
  engine_metrics metrics_;
  scripted_provider provider_;
  gateway_options options_;
  caf::actor gateway_;
  std::vector<caf::actor> probes_;
  std::vector<std::unique_ptr<probe_log>> logs_;
};

TEST_F(gateway_test, paces_creates_per_caller_number_counting_requests_in_flight) {
  options_.account_concurrency = 100;
  options_.default_calls_per_second = 1;
  provider_.answer_creates = false;  // every create stays in flight: the rate still holds
  start_gateway();
  for (id_t i = 1; i <= 10; ++i) dial(attempt(i, "+14155550001", 2));
  for (id_t i = 11; i <= 20; ++i) dial(attempt(i, "+14155550002", 5));
  for (id_t i = 21; i <= 23; ++i) dial(attempt(i, "+14155550003"));  // not registered
  EXPECT_EQ(provider_.creates.size(), 3u) << "one create per number at once";
  advance(std::chrono::seconds(6));
  auto a = provider_.creates_from("+14155550001");
  auto b = provider_.creates_from("+14155550002");
  auto c = provider_.creates_from("+14155550003");
  ASSERT_EQ(a.size(), 10u);
  ASSERT_EQ(b.size(), 10u);
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(most_in_one_second(a), 2u);
  EXPECT_EQ(most_in_one_second(b), 5u);
  EXPECT_EQ(most_in_one_second(c), 1u) << "the default rate of an unregistered number";
  for (std::size_t i = 0; i < a.size(); ++i)
    EXPECT_EQ(a[i], start_time + static_cast<epoch_ms>(i) * 500) << "released on time, " << i;
  EXPECT_EQ(b.back(), start_time + 1800) << "a slow number never holds back a faster one";
  EXPECT_EQ(c.back(), start_time + 2000);
  // Creates of one number leave in the order they came.
  std::vector<std::string> order;
  for (const auto& s : provider_.creates)
    if (s.request.from_number == "+14155550001") order.push_back(s.request.metadata.at("lead_id"));
  EXPECT_EQ(order, (std::vector<std::string>{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10"}));
  EXPECT_FALSE(sched_->has_pending_timeout()) << "nothing waits: no timer left (no polling)";
  EXPECT_EQ(metric("dialer_provider_creates_waiting", {{"account", "platform"}}), 0);
}

TEST_F(gateway_test, creates_held_by_the_line_limit_wait_without_a_timer) {
  options_.account_concurrency = 2;
  start_gateway();
  for (id_t i = 1; i <= 4; ++i) dial(lone(i));
  EXPECT_EQ(provider_.creates.size(), 2u);
  EXPECT_EQ(metric("dialer_provider_creates_waiting", {{"account", "platform"}}), 2);
  EXPECT_FALSE(sched_->has_pending_timeout()) << "a freed line wakes the gateway, not a poll";
  caf::anon_send(probes_[0], line_freed_atom::value, id_t{1});
  run();
  EXPECT_EQ(provider_.creates.size(), 3u);
  // A call actor that ends without freeing its line (a crash) frees it too.
  caf::anon_send_exit(probes_[1], caf::exit_reason::kill);
  run();
  EXPECT_EQ(provider_.creates.size(), 4u);
  EXPECT_EQ(metric("dialer_account_lines_in_use", {{"account", "platform"}}), 2);
}

TEST_F(gateway_test, a_refill_is_timed_from_its_line_freed_until_its_create_leaves) {
  options_.account_concurrency = 1;
  start_gateway();
  dial(lone(1));  // a first dial refills no line: not timed
  auto refill = lone(2);
  refill.line_freed_at = clock_.now_ms();
  dial(refill);  // waits for the account's only line
  advance(std::chrono::milliseconds(250));
  EXPECT_EQ(metric("dialer_slot_refill_seconds", {}), 0) << "not sent yet: not timed yet";
  caf::anon_send(probes_[0], line_freed_atom::value, id_t{1});
  run();
  ASSERT_EQ(provider_.creates.size(), 2u);
  EXPECT_EQ(metric("dialer_slot_refill_seconds", {}), 1) << "one refill";
  double seconds = -1;
  for (const auto& f : registry_.Collect())
    if (f.name == "dialer_slot_refill_seconds") seconds = f.metric.at(0).histogram.sample_sum;
  EXPECT_DOUBLE_EQ(seconds, 0.25) << "from the line freed to the create leaving";
}

TEST_F(gateway_test, a_429_holds_every_create_until_its_retry_after_passed) {
  options_.account_concurrency = 10;
  start_gateway();
  provider_.create_replies.push_back({429, 3'000});
  auto first = dial(lone(1));
  ASSERT_EQ(logs_[first]->dials.size(), 1u);
  EXPECT_EQ(logs_[first]->dials[0].status, 429u);
  EXPECT_EQ(logs_[first]->dials[0].retry_after_ms, 3'000) << "the lead waits as long";
  dial(lone(2));
  dial(lone(3));
  EXPECT_EQ(provider_.creates.size(), 1u) << "held after the refusal, whatever the number";
  advance(std::chrono::milliseconds(2'990));
  EXPECT_EQ(provider_.creates.size(), 1u);
  advance(std::chrono::milliseconds(10));
  ASSERT_EQ(provider_.creates.size(), 3u);
  EXPECT_EQ(provider_.creates[1].at, start_time + 3'000);
  EXPECT_EQ(metric("dialer_account_lines_in_use", {{"account", "platform"}}), 2)
      << "the refused create holds no line";

  // Without a Retry-After: exponential backoff with jitter, growing with refusals in a row.
  provider_.create_replies.push_back({429, std::nullopt});
  provider_.create_replies.push_back({429, std::nullopt});
  auto second = dial(lone(4));
  auto wait1 = *logs_[second]->dials.at(0).retry_after_ms;
  EXPECT_GE(wait1, 250) << "first refusal in a row: 500 ms, jitter in its upper half";
  EXPECT_LT(wait1, 500);
  advance(std::chrono::milliseconds(wait1));
  auto third = dial(lone(5));
  auto wait2 = *logs_[third]->dials.at(0).retry_after_ms;
  EXPECT_GE(wait2, 500) << "second refusal in a row: 1 s";
  EXPECT_LT(wait2, 1'000);
  advance(std::chrono::milliseconds(wait2));
  // A Retry-After far in the future is capped.
  provider_.create_replies.push_back({429, 86'400'000});
  auto capped = dial(lone(6));
  EXPECT_EQ(logs_[capped]->dials.at(0).retry_after_ms, 60'000);
  auto held = dial(lone(7));
  advance(std::chrono::seconds(59), std::chrono::milliseconds(100));
  EXPECT_TRUE(logs_[held]->dials.empty());
  advance(std::chrono::seconds(1), std::chrono::milliseconds(100));
  ASSERT_EQ(logs_[held]->dials.size(), 1u);
  EXPECT_EQ(logs_[held]->dials[0].status, 201u);
}

TEST_F(gateway_test, unclear_create_answers_keep_their_line_and_are_never_resent) {
  options_.account_concurrency = 2;
  start_gateway();
  provider_.create_replies.push_back({503, 1'000});
  provider_.create_replies.push_back({409, std::nullopt});
  auto a = dial(lone(1));
  auto b = dial(lone(2));
  EXPECT_EQ(logs_[a]->dials.at(0).status, 503u);
  EXPECT_EQ(logs_[b]->dials.at(0).status, 409u);
  dial(lone(3));
  advance(std::chrono::seconds(5));
  EXPECT_EQ(provider_.creates.size(), 2u)
      << "the provider may have placed both calls: their lines stay until reconciled";
  caf::anon_send(probes_[a], line_freed_atom::value, id_t{1});
  run();
  EXPECT_EQ(provider_.creates.size(), 3u);
  std::set<std::string> attempts;
  for (const auto& c : provider_.creates) attempts.insert(c.request.metadata.at("attempt_id"));
  EXPECT_EQ(attempts.size(), 3u) << "no create was sent twice";
}

TEST_F(gateway_test, look_ups_are_asked_again_as_retry_after_says) {
  options_.account_concurrency = 10;
  options_.lookup_tries = 3;
  start_gateway();
  auto p = new_probe();
  provider_.lookup_replies.push_back({503, 2'000});
  provider_.lookup_replies.push_back({429, 4'000});
  caf::anon_send(probes_[p], sync_atom::value, lone(1), std::string("call_1"));
  run();
  ASSERT_EQ(provider_.lookups.size(), 1u);
  EXPECT_TRUE(logs_[p]->syncs.empty()) << "no answer yet: the gateway asks again";
  advance(std::chrono::milliseconds(1'990));
  EXPECT_EQ(provider_.lookups.size(), 1u);
  advance(std::chrono::milliseconds(10));
  ASSERT_EQ(provider_.lookups.size(), 2u);
  EXPECT_EQ(provider_.lookups[1].second, start_time + 2'000);
  advance(std::chrono::milliseconds(4'000));
  ASSERT_EQ(provider_.lookups.size(), 3u);
  EXPECT_EQ(provider_.lookups[2].second, start_time + 6'000);
  ASSERT_EQ(logs_[p]->syncs.size(), 1u);
  EXPECT_TRUE(logs_[p]->syncs[0].first.answered);
  ASSERT_TRUE(logs_[p]->syncs[0].first.call);
  EXPECT_EQ(logs_[p]->syncs[0].first.call->call_status, "ongoing");
  EXPECT_EQ(metric("dialer_provider_retries_total", {{"operation", "get_call"}}), 2);

  // A clear "no such call" (422) is answered at once; list-calls finding nothing too.
  provider_.lookup_replies.push_back({422, std::nullopt});
  caf::anon_send(probes_[p], sync_atom::value, lone(2), std::string("call_2"));
  caf::anon_send(probes_[p], sync_atom::value, lone(3), std::string());
  run();
  ASSERT_EQ(logs_[p]->syncs.size(), 3u);
  EXPECT_TRUE(logs_[p]->syncs[1].first.answered);
  EXPECT_FALSE(logs_[p]->syncs[1].first.call);
  EXPECT_TRUE(logs_[p]->syncs[2].first.answered);
  EXPECT_FALSE(logs_[p]->syncs[2].first.call);

  // Out of tries: the call actor hears that the provider could not be asked.
  for (int i = 0; i < 3; ++i) provider_.lookup_replies.push_back({500, std::nullopt});
  caf::anon_send(probes_[p], sync_atom::value, lone(4), std::string());
  run();
  advance(std::chrono::seconds(10));
  ASSERT_EQ(logs_[p]->syncs.size(), 4u);
  EXPECT_FALSE(logs_[p]->syncs[3].first.answered);
  EXPECT_EQ(metric("dialer_provider_retries_total", {{"operation", "list_calls"}}), 2);
}

TEST_F(gateway_test, the_account_limit_is_read_from_get_concurrency_before_any_dial) {
  options_.account_concurrency = 0;  // not configured
  provider_.limit = 2;
  provider_.concurrency_replies.push_back({500, std::nullopt});
  provider_.concurrency_replies.push_back({429, 3'000});
  start_gateway();
  ASSERT_EQ(provider_.concurrency_reads.size(), 1u) << "read when the gateway starts";
  for (id_t i = 1; i <= 3; ++i) dial(lone(i));
  EXPECT_TRUE(provider_.creates.empty()) << "nothing is dialled until the limit is known";
  EXPECT_EQ(metric("dialer_account_lines_limit", {{"account", "platform"}}), 0);
  // First failure: backoff (500 ms with jitter); second: the Retry-After.
  advance(std::chrono::milliseconds(500));
  ASSERT_EQ(provider_.concurrency_reads.size(), 2u);
  EXPECT_GE(provider_.concurrency_reads[1], start_time + 250);
  EXPECT_TRUE(provider_.creates.empty());
  auto third_read_in = provider_.concurrency_reads[1] + 3'000 - clock_.now_ms();
  advance(std::chrono::milliseconds(third_read_in - 10));
  EXPECT_EQ(provider_.concurrency_reads.size(), 2u);
  advance(std::chrono::milliseconds(10));
  ASSERT_EQ(provider_.concurrency_reads.size(), 3u);
  EXPECT_EQ(provider_.concurrency_reads[2], provider_.concurrency_reads[1] + 3'000);
  EXPECT_EQ(provider_.creates.size(), 2u) << "the limit read: 2 lines";
  EXPECT_EQ(metric("dialer_account_lines_limit", {{"account", "platform"}}), 2);
  EXPECT_EQ(metric("dialer_provider_retries_total", {{"operation", "get_concurrency"}}), 2);
  caf::anon_send(probes_[0], line_freed_atom::value, id_t{1});
  run();
  EXPECT_EQ(provider_.creates.size(), 3u);
  EXPECT_EQ(provider_.concurrency_reads.size(), 3u) << "read once it is known";
}

TEST_F(gateway_test, a_configured_limit_is_not_read_from_the_provider) {
  options_.account_concurrency = 1;
  start_gateway();
  dial(lone(1));
  dial(lone(2));
  EXPECT_TRUE(provider_.concurrency_reads.empty());
  EXPECT_EQ(provider_.creates.size(), 1u);
}

TEST_F(gateway_test, calls_followed_again_hold_lines_of_the_account) {
  options_.account_concurrency = 2;
  start_gateway();
  auto f1 = new_probe();
  auto f2 = new_probe();
  caf::anon_send(probes_[f1], line_taken_atom::value, lone(1));
  caf::anon_send(probes_[f2], line_taken_atom::value, lone(2));
  run();
  EXPECT_EQ(metric("dialer_account_lines_in_use", {{"account", "platform"}}), 2);
  dial(lone(3));
  EXPECT_TRUE(provider_.creates.empty()) << "both lines are held by followed calls";
  caf::anon_send(probes_[f1], line_freed_atom::value, id_t{1});
  run();
  EXPECT_EQ(provider_.creates.size(), 1u);
  // A followed call's actor that fails frees its line as well.
  dial(lone(4));
  EXPECT_EQ(provider_.creates.size(), 1u);
  caf::anon_send_exit(probes_[f2], caf::exit_reason::kill);
  run();
  EXPECT_EQ(provider_.creates.size(), 2u);
}

/// The whole chain on CAF's test scheduler: engine root, campaign and call actors, the real
/// gateway over the scripted provider, an in-memory journal.
class gateway_in_engine : public gateway_test {
 protected:
  gateway_in_engine() {
    store_.plan.id = campaign;
    store_.plan.tenant_id = tenant;
    store_.plan.from_number = "+14155550100";
    store_.plan.max_concurrent_calls = 20;
    store_.plan.max_attempts = 1;
    policy_ = single_rule_policy(us_rule(weekly_windows::every_day({0, minutes_per_day})));
    ctx_ = std::make_shared<engine_context>();
    ctx_->store = &store_;
    ctx_->pool = &runner_;
    ctx_->clock = &clock_;
    ctx_->metrics = &metrics_;
    ctx_->policy = policy_.get();
    ctx_->options.hopper_batch = 50;
    ctx_->options.call_grace = std::chrono::seconds(30);
    ctx_->options.call_watchdog = std::chrono::hours(1);
  }

  ~gateway_in_engine() override {
    if (ctx_->root) caf::anon_send_exit(ctx_->root, caf::exit_reason::user_shutdown);
    run();
    ctx_->root = nullptr;
    ctx_->gateway = nullptr;
  }

  void start_engine() {
    start_gateway();
    ctx_->gateway = gateway_;
    ctx_->root = spawn_engine_root(*system_, ctx_);
    caf::anon_send(ctx_->root, status_atom::value,
                   campaign_update{tenant, campaign, campaign_status::running});
    run();
  }

  /// The provider ends the call of `attempt` (call_ended, call_analyzed).
  void end_call(id_t attempt) {
    for (auto kind : {webhook_kind::call_ended, webhook_kind::call_analyzed}) {
      auto w = stored_webhook(++inbox_ids_, tenant, attempt, kind, "ended", "user_hangup");
      caf::anon_send(ctx_->root, webhook_atom::value, w);
      run();
    }
  }

  /// Journals an attempt as a previous run left it: registered at the provider, still open.
  void open_attempt_from_before(id_t lead_id) {
    auto a = store_.journal_unchecked(store_.plan, store_.leads.at(lead_id).candidate);
    store_.journal_registered(tenant, a->attempt_id, "call_" + std::to_string(a->attempt_id));
  }

  fake_store store_;
  inline_runner runner_;
  std::unique_ptr<compliance_policy> policy_;
  context_ptr ctx_;
  id_t inbox_ids_ = 0;
};

TEST_F(gateway_in_engine, a_campaign_dials_its_number_at_the_number_s_registered_rate) {
  options_.account_concurrency = 100;
  store_.plan.number_calls_per_second = 2;  // the registered number's calls_per_second
  store_.add_leads(20);
  start_engine();
  EXPECT_EQ(provider_.creates.size(), 1u) << "20 lines free, but the number allows 2 a second";
  advance(std::chrono::seconds(12));
  auto sent = provider_.creates_from("+14155550100");
  ASSERT_EQ(sent.size(), 20u) << "every lead dialled (calls still live: the cap is 20)";
  EXPECT_EQ(most_in_one_second(sent), 2u);
  EXPECT_EQ(sent.back() - sent.front(), 19 * 500);
  EXPECT_EQ(store_.count(lead_status::in_progress), 20);
}

TEST_F(gateway_in_engine, a_429_puts_the_lead_back_for_the_retry_after_and_holds_creates) {
  options_.account_concurrency = 100;
  store_.plan.number_calls_per_second = 100;
  store_.plan.max_concurrent_calls = 1;
  store_.add_leads(2);
  provider_.create_replies.push_back({429, 7'000});
  start_engine();
  ASSERT_EQ(provider_.creates.size(), 1u);
  EXPECT_EQ(store_.leads[1].status, lead_status::pending);
  EXPECT_EQ(store_.leads[1].candidate.attempts, 0) << "a refusal is not an attempt";
  EXPECT_EQ(store_.leads[1].next_attempt_at, start_time + 7'000) << "the lead waits as long";
  EXPECT_EQ(store_.leads[2].status, lead_status::in_progress) << "the line went to lead 2...";
  advance(std::chrono::milliseconds(6'990));
  EXPECT_EQ(provider_.creates.size(), 1u) << "...whose create waits for the Retry-After";
  advance(std::chrono::milliseconds(10));
  ASSERT_EQ(provider_.creates.size(), 2u);
  EXPECT_EQ(provider_.creates[1].request.metadata.at("lead_id"), "2");
  EXPECT_EQ(provider_.creates[1].at, start_time + 7'000);
  end_call(2);
  advance(std::chrono::milliseconds(10));  // the number's next token (100 calls a second)
  ASSERT_EQ(provider_.creates.size(), 3u) << "lead 1 again, its wait over";
  EXPECT_EQ(provider_.creates[2].request.metadata.at("lead_id"), "1");
  EXPECT_EQ(store_.attempts.at(3).row.attempt.attempt_no, 1) << "still its first attempt";
}

TEST_F(gateway_in_engine, calls_followed_after_a_restart_hold_the_account_s_lines) {
  options_.account_concurrency = 2;
  store_.plan.number_calls_per_second = 100;
  store_.add_leads(4);
  open_attempt_from_before(1);
  open_attempt_from_before(2);
  start_engine();
  EXPECT_EQ(provider_.lookups.size(), 2u) << "both calls are asked about (get-call)";
  EXPECT_TRUE(provider_.creates.empty())
      << "the two lines of the account are taken by the calls followed again";
  EXPECT_EQ(metric("dialer_account_lines_in_use", {{"account", "platform"}}), 2);
  end_call(1);
  ASSERT_EQ(provider_.creates.size(), 1u) << "a line freed: one new dial";
  EXPECT_EQ(metric("dialer_account_lines_in_use", {{"account", "platform"}}), 2);
  end_call(2);
  advance(std::chrono::milliseconds(10));  // the number's next token (100 calls a second)
  EXPECT_EQ(provider_.creates.size(), 2u);
}

}  // namespace
}  // namespace dialer::actors::test

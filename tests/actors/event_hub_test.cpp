// The event hub on CAF's deterministic test scheduler: per-tenant fan-out, campaign filters,
// the subscribe acknowledgement, forgetting sinks that refuse, and campaign.stats coalescing
// with time moved by hand.

#include "actors/event_hub.hpp"

#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <caf/all.hpp>

#include <mutex>

#include "actors/engine_context.hpp"

namespace dialer::actors::test {
namespace {

constexpr epoch_ms start_time = 1'767'225'600'000;  // 2026-01-01T00:00:00Z

/// Records what it is given; refuses everything after `capacity` events (a client too slow).
class recording_sink final : public event_sink {
 public:
  explicit recording_sink(std::size_t capacity = 1'000'000) : capacity_(capacity) {}

  bool deliver(std::shared_ptr<const live_event> ev) override {
    std::lock_guard<std::mutex> lock(mutex_);
    ++offered_;
    if (events_.size() >= capacity_) return false;
    events_.push_back(*ev);
    return true;
  }

  std::vector<live_event> events() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return events_;
  }
  std::size_t offered() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return offered_;
  }

 private:
  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::vector<live_event> events_;
  std::size_t offered_ = 0;
};

class event_hub_test : public ::testing::Test {
 protected:
  event_hub_test() : clock_(start_time), metrics_(registry_) {
    config_.set("scheduler.policy", caf::atom("testing"));
    config_.set("logger.verbosity", caf::atom("quiet"));
    system_ = std::make_unique<caf::actor_system>(config_);
    sched_ = &dynamic_cast<caf::scheduler::test_coordinator&>(system_->scheduler());
    ctx_.clock = &clock_;
    ctx_.metrics = &metrics_;
    ctx_.events = spawn_event_hub(*system_, clock_);
  }

  ~event_hub_test() override {
    caf::anon_send_exit(ctx_.events, caf::exit_reason::user_shutdown);
    sched_->run();
    ctx_.events = nullptr;
  }

  void run() { sched_->run(); }

  void advance(std::chrono::milliseconds d) {
    clock_.advance(d.count());
    sched_->advance_time(d);
    run();
  }

  void publish(id_t tenant, id_t campaign, live_event_type type, std::int64_t n = 0) {
    publish_event(ctx_, tenant, campaign, type, {{"n", n}});
  }

  static std::vector<std::int64_t> numbers(const std::vector<live_event>& events,
                                           live_event_type type) {
    std::vector<std::int64_t> out;
    for (const auto& ev : events)
      if (ev.type == type) out.push_back(std::get<std::int64_t>(ev.data.front().value));
    return out;
  }

  manual_clock clock_;
  prometheus::Registry registry_;
  engine_metrics metrics_;
  caf::actor_system_config config_;
  std::unique_ptr<caf::actor_system> system_;
  caf::scheduler::test_coordinator* sched_ = nullptr;
  engine_context ctx_;
};

TEST_F(event_hub_test, each_tenant_gets_only_its_own_events_in_publish_order) {
  auto a = std::make_shared<recording_sink>();
  auto b = std::make_shared<recording_sink>();
  subscribe_events(ctx_.events, a, {1, std::nullopt}, false);
  subscribe_events(ctx_.events, b, {2, std::nullopt}, false);
  run();
  for (int i = 0; i < 5; ++i) publish(1, 10, live_event_type::call_ended, i);
  publish(2, 20, live_event_type::call_started, 100);
  publish(3, 30, live_event_type::call_started, 200);  // nobody listens to tenant 3
  run();
  EXPECT_EQ(numbers(a->events(), live_event_type::call_ended),
            (std::vector<std::int64_t>{0, 1, 2, 3, 4}));
  ASSERT_EQ(a->events().size(), 5u);
  ASSERT_EQ(b->events().size(), 1u);
  EXPECT_EQ(b->events().front().tenant_id, 2);
  EXPECT_EQ(b->events().front().ts, start_time);
}

TEST_F(event_hub_test, a_campaign_filter_narrows_after_its_acknowledgement) {
  auto sink = std::make_shared<recording_sink>();
  subscribe_events(ctx_.events, sink, {1, std::nullopt}, false);
  run();
  publish(1, 10, live_event_type::call_ended, 1);
  publish(1, 11, live_event_type::call_ended, 2);
  subscribe_events(ctx_.events, sink, {1, 10}, true);
  run();
  publish(1, 10, live_event_type::call_ended, 3);
  publish(1, 11, live_event_type::call_ended, 4);
  publish(1, 0, live_event_type::budget_warn, 5);  // tenant-wide: still delivered
  run();
  auto events = sink->events();
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[2].type, live_event_type::subscribed);
  EXPECT_EQ(events[2].campaign_id, 10);
  EXPECT_EQ(numbers(events, live_event_type::call_ended), (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(numbers(events, live_event_type::budget_warn), (std::vector<std::int64_t>{5}));
  // Widening again with no campaign.
  subscribe_events(ctx_.events, sink, {1, std::nullopt}, true);
  publish(1, 11, live_event_type::call_ended, 6);
  run();
  EXPECT_EQ(numbers(sink->events(), live_event_type::call_ended),
            (std::vector<std::int64_t>{1, 2, 3, 6}));
}

TEST_F(event_hub_test, a_sink_that_refuses_is_forgotten_and_unsubscribe_stops_delivery) {
  auto slow = std::make_shared<recording_sink>(2);
  auto leaving = std::make_shared<recording_sink>();
  subscribe_events(ctx_.events, slow, {1, std::nullopt}, false);
  subscribe_events(ctx_.events, leaving, {1, std::nullopt}, false);
  run();
  for (int i = 0; i < 3; ++i) publish(1, 10, live_event_type::call_started, i);
  run();
  unsubscribe_events(ctx_.events, leaving);
  for (int i = 3; i < 10; ++i) publish(1, 10, live_event_type::call_started, i);
  run();
  EXPECT_EQ(slow->events().size(), 2u);
  EXPECT_EQ(slow->offered(), 3u) << "the hub kept offering to a sink that refused";
  EXPECT_EQ(leaving->events().size(), 3u);
}

TEST_F(event_hub_test, campaign_stats_go_out_at_most_once_a_second_per_campaign_latest_first) {
  auto sink = std::make_shared<recording_sink>();
  subscribe_events(ctx_.events, sink, {1, std::nullopt}, false);
  run();
  publish(1, 10, live_event_type::campaign_stats, 1);  // the first goes at once
  publish(1, 11, live_event_type::campaign_stats, 100);
  run();
  EXPECT_EQ(numbers(sink->events(), live_event_type::campaign_stats),
            (std::vector<std::int64_t>{1, 100}));
  for (int i = 2; i <= 9; ++i) {
    advance(std::chrono::milliseconds(100));
    publish(1, 10, live_event_type::campaign_stats, i);
    run();
  }
  // 800 ms after the first: nothing more yet; other events are never held.
  publish(1, 10, live_event_type::call_ended, 0);
  run();
  EXPECT_EQ(numbers(sink->events(), live_event_type::campaign_stats).size(), 2u);
  EXPECT_EQ(numbers(sink->events(), live_event_type::call_ended).size(), 1u);
  advance(std::chrono::milliseconds(199));
  EXPECT_EQ(numbers(sink->events(), live_event_type::campaign_stats).size(), 2u);
  advance(std::chrono::milliseconds(1));
  EXPECT_EQ(numbers(sink->events(), live_event_type::campaign_stats),
            (std::vector<std::int64_t>{1, 100, 9}));
  // Nothing waits any more: no timer fires without news.
  advance(std::chrono::seconds(5));
  EXPECT_EQ(numbers(sink->events(), live_event_type::campaign_stats).size(), 3u);
}

TEST_F(event_hub_test, publishing_without_a_hub_does_nothing) {
  engine_context no_hub;
  no_hub.clock = &clock_;
  publish_event(no_hub, 1, 10, live_event_type::call_started, {});
  run();
  SUCCEED();
}

}  // namespace
}  // namespace dialer::actors::test

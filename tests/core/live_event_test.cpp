#include "core/live_event.hpp"

#include <gtest/gtest.h>

namespace dialer {
namespace {

using types = std::vector<live_event_type>;

webhook_event event(webhook_kind kind, std::string status = "", std::string reason = "") {
  webhook_event ev;
  ev.kind = kind;
  ev.call.call_id = "call_1";
  ev.call.call_status = std::move(status);
  ev.call.disconnection_reason = std::move(reason);
  return ev;
}

/// Applies the events in order as the call actor does; returns every call event published.
types publish_all(const std::vector<webhook_event>& events) {
  call_progress progress = apply_registered(call_progress{});
  published_call_events published;
  types out;
  for (const auto& ev : events) {
    progress = apply_event(progress, ev);
    for (auto t : next_call_events(published, progress, ev)) out.push_back(t);
  }
  return out;
}

TEST(live_event, wire_names) {
  EXPECT_EQ(to_string(live_event_type::call_started), "call.started");
  EXPECT_EQ(to_string(live_event_type::transcript_updated), "transcript.updated");
  EXPECT_EQ(to_string(live_event_type::campaign_stats), "campaign.stats");
  EXPECT_EQ(to_string(live_event_type::budget_exhausted), "budget.exhausted");
}

TEST(live_event, a_connected_call_in_order) {
  auto turns = event(webhook_kind::transcript_updated, "ongoing");
  turns.call.turns = {{"agent", "Hello"}, {"user", "Hi"}};
  EXPECT_EQ(publish_all({event(webhook_kind::call_started, "ongoing"), turns,
                         event(webhook_kind::call_ended, "ended", "user_hangup"),
                         event(webhook_kind::call_analyzed, "ended", "user_hangup")}),
            (types{live_event_type::call_started, live_event_type::transcript_updated,
                   live_event_type::call_ended, live_event_type::call_analyzed}));
}

TEST(live_event, reordered_and_duplicate_webhooks_still_publish_in_order_once) {
  // call_analyzed first, then call_ended, then a late call_started, each twice.
  auto analyzed = event(webhook_kind::call_analyzed, "ended", "agent_hangup");
  auto ended = event(webhook_kind::call_ended, "ended", "agent_hangup");
  auto started = event(webhook_kind::call_started, "ongoing");
  EXPECT_EQ(publish_all({analyzed, analyzed, ended, started, ended, started}),
            (types{live_event_type::call_started, live_event_type::call_ended,
                   live_event_type::call_analyzed}));
  // call_ended before call_started: the start is published first, with the end.
  EXPECT_EQ(publish_all({ended, started, analyzed}),
            (types{live_event_type::call_started, live_event_type::call_ended,
                   live_event_type::call_analyzed}));
}

TEST(live_event, a_call_that_never_connected_has_no_start) {
  EXPECT_EQ(publish_all({event(webhook_kind::call_ended, "not_connected", "dial_no_answer"),
                         event(webhook_kind::call_analyzed, "not_connected", "dial_no_answer")}),
            (types{live_event_type::call_ended, live_event_type::call_analyzed}));
}

TEST(live_event, transcript_turns_go_out_when_they_grow_and_never_after_the_end) {
  auto two = event(webhook_kind::transcript_updated, "ongoing");
  two.call.turns = {{"agent", "a"}, {"user", "b"}};
  auto late = two;
  late.call.turns.push_back({"agent", "c"});
  auto ended = event(webhook_kind::call_ended, "ended", "user_hangup");
  ended.call.turns = late.call.turns;
  EXPECT_EQ(publish_all({two, two, ended, late}),
            (types{live_event_type::call_started, live_event_type::transcript_updated,
                   live_event_type::transcript_updated, live_event_type::call_ended}));
}

TEST(live_event, call_fields_name_the_call_attempt_campaign_and_lead) {
  dial_attempt a;
  a.attempt_id = 11;
  a.campaign_id = 5;
  a.lead_id = 9;
  call_progress p{attempt_state::ended, disposition::answered, true, false};
  provider_call c;
  c.disconnection_reason = "user_hangup";
  c.duration_ms = 42'000;
  auto f = call_event_fields(live_event_type::call_ended, a, "call_x", p, c);
  auto value = [&f](const char* name) -> const event_value* {
    for (const auto& field : f)
      if (field.name == name) return &field.value;
    return nullptr;
  };
  ASSERT_NE(value("call_id"), nullptr);
  EXPECT_EQ(std::get<std::string>(*value("call_id")), "call_x");
  EXPECT_EQ(std::get<std::int64_t>(*value("attempt_id")), 11);
  EXPECT_EQ(std::get<std::int64_t>(*value("campaign_id")), 5);
  EXPECT_EQ(std::get<std::int64_t>(*value("lead_id")), 9);
  EXPECT_EQ(std::get<std::string>(*value("status")), "ended");
  EXPECT_EQ(std::get<std::string>(*value("disposition")), "answered");
  EXPECT_EQ(std::get<std::int64_t>(*value("duration_ms")), 42'000);
  EXPECT_EQ(value("call_summary"), nullptr);
  // No provider id yet (a refused create): null, not an empty string.
  auto refused = call_event_fields(live_event_type::call_ended, a, "", p, c);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(refused.front().value));
}

TEST(subscription_filter, tenant_first_then_campaign) {
  live_event ev;
  ev.tenant_id = 1;
  ev.campaign_id = 5;
  EXPECT_TRUE((subscription_filter{1, std::nullopt}.matches(ev)));
  EXPECT_TRUE((subscription_filter{1, 5}.matches(ev)));
  EXPECT_FALSE((subscription_filter{1, 6}.matches(ev)));
  EXPECT_FALSE((subscription_filter{2, std::nullopt}.matches(ev)));
  // A campaign id of another tenant never opens that tenant's stream.
  EXPECT_FALSE((subscription_filter{2, 5}.matches(ev)));
  // Tenant-wide events (a tenant budget) reach every subscriber of the tenant only.
  ev.campaign_id = 0;
  EXPECT_TRUE((subscription_filter{1, 6}.matches(ev)));
  EXPECT_FALSE((subscription_filter{2, std::nullopt}.matches(ev)));
}

}  // namespace
}  // namespace dialer

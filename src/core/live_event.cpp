#include "core/live_event.hpp"

namespace dialer {

std::string_view to_string(live_event_type t) {
  switch (t) {
    case live_event_type::call_started:
      return "call.started";
    case live_event_type::call_ended:
      return "call.ended";
    case live_event_type::call_analyzed:
      return "call.analyzed";
    case live_event_type::transcript_updated:
      return "transcript.updated";
    case live_event_type::campaign_status:
      return "campaign.status";
    case live_event_type::campaign_stats:
      return "campaign.stats";
    case live_event_type::budget_warn:
      return "budget.warn";
    case live_event_type::budget_exhausted:
      return "budget.exhausted";
    case live_event_type::subscribed:
      return "subscribed";
  }
  return "unknown";
}

bool subscription_filter::matches(const live_event& ev) const {
  if (ev.tenant_id != tenant_id) return false;
  return !campaign_id || ev.campaign_id == 0 || ev.campaign_id == *campaign_id;
}

std::vector<live_event_type> next_call_events(published_call_events& published,
                                              const call_progress& after, const webhook_event& ev) {
  std::vector<live_event_type> out;
  // A call connected once the provider says it started or it ended after talking; a call that
  // never connected (no answer, busy, failed) has no call.started.
  bool connected = ev.kind == webhook_kind::call_started ||
                   ev.kind == webhook_kind::transcript_updated ||
                   after.state == attempt_state::ongoing || after.state == attempt_state::ended ||
                   after.state == attempt_state::analyzed;
  if (connected && !published.started && !published.ended) {
    published.started = true;
    out.push_back(live_event_type::call_started);
  }
  // Turns published after call.ended would read as a transcript that kept growing: the
  // ended call's turns go out just before call.ended instead.
  if (!published.ended && ev.call.turns.size() > published.turns) {
    published.turns = ev.call.turns.size();
    out.push_back(live_event_type::transcript_updated);
  }
  if (after.line_released && !published.ended) {
    published.ended = true;
    out.push_back(live_event_type::call_ended);
  }
  if (after.analysis_done && published.ended && !published.analyzed) {
    published.analyzed = true;
    out.push_back(live_event_type::call_analyzed);
  }
  return out;
}

event_fields call_event_fields(live_event_type type, const dial_attempt& attempt,
                               const std::string& provider_call_id, const call_progress& progress,
                               const provider_call& call) {
  event_fields f;
  f.push_back(
      {"call_id", provider_call_id.empty() ? event_value{} : event_value{provider_call_id}});
  f.push_back({"attempt_id", attempt.attempt_id});
  f.push_back({"campaign_id", attempt.campaign_id});
  f.push_back({"lead_id", attempt.lead_id});
  f.push_back({"attempt_no", static_cast<std::int64_t>(attempt.attempt_no)});
  f.push_back({"status", std::string(to_string(progress.state))});
  if (progress.outcome != disposition::none)
    f.push_back({"disposition", std::string(to_string(progress.outcome))});
  auto optional_int = [&f](const char* name, const std::optional<std::int64_t>& v) {
    if (v) f.push_back({name, *v});
  };
  auto optional_text = [&f](const char* name, const std::string& v) {
    if (!v.empty()) f.push_back({name, v});
  };
  switch (type) {
    case live_event_type::call_started:
      optional_int("start_timestamp", call.start_timestamp);
      break;
    case live_event_type::call_ended:
      optional_text("disconnection_reason", call.disconnection_reason);
      optional_int("duration_ms", call.duration_ms);
      optional_int("cost_cents", call.cost_cents);
      break;
    case live_event_type::call_analyzed:
      optional_text("call_summary", call.call_summary);
      optional_text("user_sentiment", call.user_sentiment);
      if (call.call_successful) f.push_back({"call_successful", *call.call_successful});
      if (call.in_voicemail) f.push_back({"in_voicemail", *call.in_voicemail});
      break;
    case live_event_type::transcript_updated:
      f.push_back({"turns", call.turns});
      break;
    default:
      break;
  }
  return f;
}

event_fields campaign_status_fields(id_t campaign_id, campaign_status status) {
  return {{"campaign_id", campaign_id}, {"status", std::string(to_string(status))}};
}

}  // namespace dialer

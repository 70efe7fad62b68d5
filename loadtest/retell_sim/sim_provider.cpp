#include "retell_sim/sim_provider.hpp"

#include <algorithm>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <boost/asio/steady_timer.hpp>

#include "core/validation.hpp"
#include "retell_sim/call_json.hpp"
#include "retell_sim/list_query.hpp"
#include "retell_sim/settings_codec.hpp"

namespace dialer::sim {

struct sim_provider::live_call {
  live_call(boost::asio::io_context& io, std::size_t i) : index(i), timer(io) {}
  std::size_t index;
  call_plan plan;
  boost::asio::steady_timer timer;
  bool reorder = false;          ///< hold call_started back until call_ended went out
  bool drop_started = false;     ///< never send call_started
  std::string deferred_started;  ///< the held-back call_started body
};

namespace {

api_reply json_reply(unsigned status, std::string body) {
  api_reply r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

std::optional<std::string> string_member(const rapidjson::Value& obj, const char* name) {
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || !it->value.IsString()) return std::nullopt;
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

void write_optional(rapidjson::Writer<rapidjson::StringBuffer>& w, std::string_view s) {
  if (s.empty())
    w.Null();
  else
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void write_create(rapidjson::Writer<rapidjson::StringBuffer>& w, const create_record& c,
                  std::optional<std::int64_t> ended_at_ms,
                  std::optional<std::int64_t> released_at_ms) {
  w.StartObject();
  w.Key("call_id");
  write_optional(w, c.call_id);
  w.Key("from_number");
  if (c.from_number)
    w.String(c.from_number->c_str(), static_cast<rapidjson::SizeType>(c.from_number->size()));
  else
    w.Null();
  w.Key("to_number");
  if (c.to_number)
    w.String(c.to_number->c_str(), static_cast<rapidjson::SizeType>(c.to_number->size()));
  else
    w.Null();
  w.Key("metadata");
  w.RawValue(c.metadata_json.c_str(), c.metadata_json.size(), rapidjson::kObjectType);
  w.Key("received_at_ms");
  w.Int64(c.received_at_ms);
  w.Key("ended_at_ms");
  if (ended_at_ms)
    w.Int64(*ended_at_ms);
  else
    w.Null();
  w.Key("released_at_ms");
  if (released_at_ms)
    w.Int64(*released_at_ms);
  else
    w.Null();
  w.Key("accepted");
  w.Bool(c.accepted);
  w.Key("status");
  w.Uint(c.status);
  w.Key("reason");
  write_optional(w, c.reason);
  w.EndObject();
}

}  // namespace

sim_provider::sim_provider(boost::asio::io_context& io, const sim_options& options,
                           webhook_dispatcher& webhooks, std::function<std::int64_t()> now_ms)
    : io_(io),
      api_key_(options.api_key),
      settings_(options.settings),
      webhooks_(webhooks),
      now_ms_(std::move(now_ms)),
      random_(options.seed),
      alive_(std::make_shared<bool>(true)) {}

sim_provider::~sim_provider() {
  *alive_ = false;
}

bool sim_provider::authorized(std::string_view authorization) const {
  constexpr std::string_view scheme = "Bearer ";
  return authorization.size() == scheme.size() + api_key_.size() &&
         authorization.substr(0, scheme.size()) == scheme &&
         authorization.substr(scheme.size()) == api_key_;
}

api_reply sim_provider::refuse(create_record& entry, unsigned status, std::string_view reason,
                               std::string message, std::optional<std::int64_t> retry_after) {
  entry.accepted = false;
  entry.status = status;
  entry.reason = std::string(reason);
  creates_.push_back(entry);
  api_reply r = json_reply(status, error_json(message));
  r.retry_after_seconds = retry_after;
  return r;
}

std::string sim_provider::new_call_id() {
  for (;;) {
    std::string id = "call_" + random_.hex(27);
    if (index_.find(id) == index_.end()) return id;
  }
}

sim_call& sim_provider::add_call(std::string agent_id, std::string from, std::string to) {
  sim_call call;
  call.call_id = new_call_id();
  call.agent_id = std::move(agent_id);
  call.from_number = std::move(from);
  call.to_number = std::move(to);
  call.created_at_ms = now_ms_();
  index_.emplace(call.call_id, calls_.size());
  calls_.push_back(std::move(call));
  return calls_.back();
}

api_reply sim_provider::create_phone_call(std::string_view body) {
  create_record entry;
  entry.received_at_ms = now_ms_();
  rapidjson::Document doc;
  std::string text(body);
  doc.Parse<rapidjson::kParseFullPrecisionFlag>(text.c_str(), text.size());
  if (doc.HasParseError() || !doc.IsObject())
    return refuse(entry, 400, "bad_request", "body must be a JSON object");

  entry.from_number = string_member(doc, "from_number");
  entry.to_number = string_member(doc, "to_number");
  auto metadata = doc.FindMember("metadata");
  const bool has_metadata = metadata != doc.MemberEnd() && !metadata->value.IsNull();
  if (has_metadata) entry.metadata_json = json_text(metadata->value);

  if (!entry.from_number || !is_e164(*entry.from_number))
    return refuse(entry, 400, "bad_request", "from_number must be an E.164 phone number string");
  if (!entry.to_number || !is_e164(*entry.to_number))
    return refuse(entry, 400, "bad_request", "to_number must be an E.164 phone number string");
  if (has_metadata && !metadata->value.IsObject())
    return refuse(entry, 400, "bad_request", "metadata must be a JSON object");
  std::string agent_id = "agent_sim";
  if (auto agent = doc.FindMember("override_agent_id"); agent != doc.MemberEnd()) {
    if (!agent->value.IsString() || agent->value.GetStringLength() == 0)
      return refuse(entry, 400, "bad_request", "override_agent_id must be a non-empty string");
    agent_id.assign(agent->value.GetString(), agent->value.GetStringLength());
  }
  std::string dynamic_variables;
  if (auto vars = doc.FindMember("retell_llm_dynamic_variables");
      vars != doc.MemberEnd() && !vars->value.IsNull()) {
    bool all_strings = vars->value.IsObject();
    if (all_strings)
      for (const auto& m : vars->value.GetObject()) all_strings = all_strings && m.value.IsString();
    if (!all_strings)
      return refuse(entry, 400, "bad_request",
                    "retell_llm_dynamic_variables must be an object of strings");
    dynamic_variables = json_text(vars->value);
  }

  if (settings_.fail_429_ratio > 0 || settings_.fail_500_ratio > 0) {
    double u = random_.unit();
    if (u < settings_.fail_429_ratio)
      return refuse(entry, 429, "fault_429", "Too many requests (simulated)",
                    settings_.retry_after_seconds);
    if (u < settings_.fail_429_ratio + settings_.fail_500_ratio)
      return refuse(entry, 500, "fault_500", "Internal server error (simulated)");
  }
  const bool over_limit = current_concurrency_ >= settings_.concurrency_limit;
  if (over_limit && settings_.over_limit == concurrency_mode::rate_limit)
    return refuse(entry, 429, "concurrency_limit_reached",
                  "Concurrency limit reached for this account", settings_.retry_after_seconds);

  sim_call& call = add_call(std::move(agent_id), *entry.from_number, *entry.to_number);
  if (has_metadata) {
    call.metadata_json = entry.metadata_json;
    call.metadata_fields = flatten_metadata(metadata->value);
  }
  call.dynamic_variables_json = std::move(dynamic_variables);
  entry.call_id = call.call_id;
  entry.accepted = true;
  entry.status = 201;

  auto live = std::make_shared<live_call>(io_, index_[call.call_id]);
  const auto answer_delay = std::chrono::milliseconds(settings_.slow_ms);
  if (over_limit) {
    entry.reason = "concurrency_limit_reached";
    // Ends right after the 201 has gone out (the answer waits slow_ms).
    schedule_real(live, answer_delay + std::chrono::milliseconds(1),
                  &sim_provider::on_concurrency_error);
  } else {
    ++current_concurrency_;
    peak_concurrency_ = std::max(peak_concurrency_, current_concurrency_);
    live->plan = plan_random_call(settings_, random_);
    live->drop_started = random_.chance(settings_.drop_call_started_ratio);
    live->reorder = !live->drop_started && random_.chance(settings_.reorder_webhooks_ratio);
    schedule(live, live->plan.ring_seconds, &sim_provider::on_ring_over);
  }
  creates_.push_back(entry);
  api_reply r = json_reply(201, call_json(call));
  r.delay = answer_delay;
  return r;
}

void sim_provider::schedule(const std::shared_ptr<live_call>& live, double simulated_seconds,
                            void (sim_provider::*step)(const std::shared_ptr<live_call>&)) {
  schedule_real(live, std::chrono::milliseconds(real_ms(simulated_seconds, settings_.time_scale)),
                step);
}

void sim_provider::schedule_real(const std::shared_ptr<live_call>& live,
                                 std::chrono::milliseconds delay,
                                 void (sim_provider::*step)(const std::shared_ptr<live_call>&)) {
  live->timer.expires_after(delay);
  live->timer.async_wait([this, live, step, alive = alive_](const boost::system::error_code& ec) {
    if (ec || !*alive) return;
    (this->*step)(live);
  });
}

void sim_provider::on_ring_over(const std::shared_ptr<live_call>& live) {
  if (!live->plan.connects) {
    on_end(live);
    return;
  }
  sim_call& call = calls_[live->index];
  call.call_status = "ongoing";
  call.start_timestamp = now_ms_();
  if (live->drop_started) {
    ++started_dropped_;
  } else if (live->reorder) {
    live->deferred_started = webhook_body("call_started", call);
  } else {
    emit(webhook_body("call_started", call));
  }
  if (settings_.transcript_updated) {
    schedule(live, live->plan.talk_seconds / 2, &sim_provider::on_transcript_update);
  } else {
    schedule(live, live->plan.talk_seconds, &sim_provider::on_end);
  }
}

void sim_provider::on_transcript_update(const std::shared_ptr<live_call>& live) {
  sim_call& call = calls_[live->index];
  call.transcript = live->plan.transcript;
  std::size_t shown = std::max<std::size_t>(1, call.transcript.size() / 2);
  emit(webhook_body("transcript_updated", call, shown));
  call.transcript.clear();
  schedule(live, live->plan.talk_seconds / 2, &sim_provider::on_end);
}

void sim_provider::on_end(const std::shared_ptr<live_call>& live) {
  sim_call& call = calls_[live->index];
  const call_plan& plan = live->plan;
  const std::int64_t now = now_ms_();
  call.call_status = plan.end_status;
  call.disconnection_reason = plan.disconnection_reason;
  if (plan.connects) {
    // Timestamps follow simulated time so that end - start == duration_ms.
    const auto talk_ms = static_cast<std::int64_t>(plan.talk_seconds * 1000);
    if (!call.start_timestamp) call.start_timestamp = now;
    call.end_timestamp = *call.start_timestamp + talk_ms;
    call.duration_ms = talk_ms;
    call.transcript = plan.transcript;
    call.recording_url = "https://sim.retell.invalid/recordings/" + call.call_id + ".wav";
    call.cost = cost_of_call(plan.talk_seconds);
  } else {
    call.start_timestamp = now;
    call.end_timestamp = now;
    call.duration_ms = 0;
  }
  --current_concurrency_;
  call.released_at_ms = now;
  ++calls_ended_;
  send_ended(live);
  schedule(live, settings_.analysis_seconds, &sim_provider::on_analyzed);
}

void sim_provider::on_concurrency_error(const std::shared_ptr<live_call>& live) {
  sim_call& call = calls_[live->index];
  const std::int64_t now = now_ms_();
  call.call_status = "error";
  call.disconnection_reason = "concurrency_limit_reached";
  call.released_at_ms = now;  // never counted
  call.start_timestamp = now;
  call.end_timestamp = now;
  call.duration_ms = 0;
  live->plan.analysis = {"The call was not placed: the account's concurrency limit was reached.",
                         "Unknown", false, false};
  ++calls_ended_;
  send_ended(live);
  schedule(live, settings_.analysis_seconds, &sim_provider::on_analyzed);
}

void sim_provider::send_ended(const std::shared_ptr<live_call>& live) {
  std::string ended = webhook_body("call_ended", calls_[live->index]);
  if (live->deferred_started.empty()) {
    emit(std::move(ended));
    return;
  }
  ++reordered_;
  emit(std::move(ended),
       [this, started = std::move(live->deferred_started), alive = alive_]() mutable {
         if (*alive) emit(std::move(started));
       });
  live->deferred_started.clear();
}

void sim_provider::on_analyzed(const std::shared_ptr<live_call>& live) {
  sim_call& call = calls_[live->index];
  call.analysis = live->plan.analysis;
  ++calls_analyzed_;
  emit(webhook_body("call_analyzed", call));
}

void sim_provider::emit(std::string body, std::function<void()> after) {
  if (!random_.chance(settings_.duplicate_webhook_ratio)) {
    webhooks_.deliver(std::move(body),
                      after ? [after](bool) { after(); } : webhook_dispatcher::completion{});
    return;
  }
  // The copy goes out once the first delivery has been settled, as a real retry would.
  ++duplicated_;
  std::string copy = body;
  webhooks_.deliver(std::move(body), [this, copy = std::move(copy), after = std::move(after),
                                      alive = alive_](bool) mutable {
    if (!*alive) return;
    webhooks_.deliver(std::move(copy));
    if (after) after();
  });
}

api_reply sim_provider::get_call(std::string_view call_id) const {
  auto it = index_.find(std::string(call_id));
  if (it == index_.end()) return json_reply(422, error_json("Call not found"));
  return json_reply(200, call_json(calls_[it->second]));
}

api_reply sim_provider::list_calls(std::string_view body, bool paged) const {
  auto parsed = parse_list_query(body);
  if (!parsed.query) return json_reply(400, error_json(parsed.error));
  auto page = select_page(*parsed.query, calls_);
  if (!page.error.empty()) return json_reply(400, error_json(page.error));
  return json_reply(200,
                    paged ? call_page_json(page.calls, page.has_more) : call_list_json(page.calls));
}

api_reply sim_provider::concurrency() const {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("current_concurrency");
  w.Int64(current_concurrency_);
  w.Key("concurrency_limit");
  w.Int64(settings_.concurrency_limit);
  w.Key("base_concurrency");
  w.Int64(settings_.concurrency_limit);
  w.Key("purchased_concurrency");
  w.Int64(0);
  w.EndObject();
  return json_reply(200, {buffer.GetString(), buffer.GetSize()});
}

api_reply sim_provider::record(bool with_creates) const {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  if (with_creates) {
    w.Key("creates");
    w.StartArray();
    for (const auto& c : creates_) {
      auto call = index_.find(c.call_id);
      if (call == index_.end())
        write_create(w, c, std::nullopt, std::nullopt);
      else
        write_create(w, c, calls_[call->second].end_timestamp, calls_[call->second].released_at_ms);
    }
    w.EndArray();
  }
  const auto& hooks = webhooks_.counters();
  w.Key("peak_concurrency");
  w.Int64(peak_concurrency_);
  w.Key("current_concurrency");
  w.Int64(current_concurrency_);
  w.Key("calls_total");
  w.Uint64(calls_.size());
  w.Key("calls_ended");
  w.Uint64(calls_ended_);
  w.Key("calls_analyzed");
  w.Uint64(calls_analyzed_);
  w.Key("webhooks_sent");
  w.Uint64(hooks.delivered);
  w.Key("webhooks_failed");
  w.Uint64(hooks.failed);
  w.Key("webhooks_skipped");
  w.Uint64(hooks.skipped);
  w.Key("webhook_attempts");
  w.Uint64(hooks.attempts);
  w.Key("webhook_retries");
  w.Uint64(hooks.retried);
  w.Key("webhook_backlog");
  w.Uint64(webhooks_.backlog());
  w.Key("duplicates_sent");
  w.Uint64(duplicated_);
  w.Key("reordered_calls");
  w.Uint64(reordered_);
  w.Key("call_started_dropped");
  w.Uint64(started_dropped_);
  w.EndObject();
  return json_reply(200, {buffer.GetString(), buffer.GetSize()});
}

api_reply sim_provider::config() const {
  return json_reply(200, settings_json(settings_));
}

api_reply sim_provider::configure(std::string_view body) {
  auto update = apply_settings_json(settings_, body);
  if (!update.settings) return json_reply(400, error_json(update.error));
  if (update.settings->webhook_url != settings_.webhook_url) {
    if (std::string problem = webhooks_.set_target(update.settings->webhook_url); !problem.empty())
      return json_reply(400, error_json(problem));
  }
  settings_ = *update.settings;
  return json_reply(204, {});
}

api_reply sim_provider::reset() {
  creates_.clear();
  peak_concurrency_ = current_concurrency_;
  calls_ended_ = 0;
  calls_analyzed_ = 0;
  started_dropped_ = 0;
  reordered_ = 0;
  duplicated_ = 0;
  webhooks_.reset_counters();
  return json_reply(204, {});
}

}  // namespace dialer::sim

#include "retell_sim/settings_codec.hpp"

#include <functional>
#include <map>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace dialer::sim {
namespace {

using apply_fn = std::function<std::string(sim_settings&, const rapidjson::Value&)>;

apply_fn number_key(double sim_settings::*field) {
  return [field](sim_settings& s, const rapidjson::Value& v) -> std::string {
    if (!v.IsNumber()) return "must be a number";
    s.*field = v.GetDouble();
    return {};
  };
}

apply_fn integer_key(std::int64_t sim_settings::*field) {
  return [field](sim_settings& s, const rapidjson::Value& v) -> std::string {
    if (!v.IsInt64()) return "must be an integer";
    s.*field = v.GetInt64();
    return {};
  };
}

std::string apply_mix(sim_settings& s, const rapidjson::Value& v) {
  if (v.IsString()) {
    auto parsed = parse_outcome_mix({v.GetString(), v.GetStringLength()});
    if (!parsed.mix) return parsed.error;
    s.mix = *parsed.mix;
    return {};
  }
  if (!v.IsObject()) return "must be an object of weights";
  outcome_mix mix;
  for (std::size_t i = 0; i < outcome_count; ++i) mix.set_weight(static_cast<call_outcome>(i), 0);
  for (const auto& m : v.GetObject()) {
    std::string name(m.name.GetString(), m.name.GetStringLength());
    auto outcome = outcome_from_string(name);
    if (!outcome) return "has unknown outcome '" + name + "'";
    if (!m.value.IsNumber() || m.value.GetDouble() < 0)
      return "weight of '" + name + "' must be a number >= 0";
    mix.set_weight(*outcome, m.value.GetDouble());
  }
  s.mix = mix;
  return {};
}

const std::map<std::string, apply_fn>& keys() {
  static const std::map<std::string, apply_fn> table = {
      {"webhook_url",
       [](sim_settings& s, const rapidjson::Value& v) -> std::string {
         if (v.IsNull()) {
           s.webhook_url.clear();
           return {};
         }
         if (!v.IsString()) return "must be a string";
         s.webhook_url.assign(v.GetString(), v.GetStringLength());
         return {};
       }},
      {"time_scale", number_key(&sim_settings::time_scale)},
      {"concurrency_limit", integer_key(&sim_settings::concurrency_limit)},
      {"concurrency_mode",
       [](sim_settings& s, const rapidjson::Value& v) -> std::string {
         std::optional<concurrency_mode> mode;
         if (v.IsString())
           mode = concurrency_mode_from_string({v.GetString(), v.GetStringLength()});
         if (v.IsInt() && v.GetInt() == 429) mode = concurrency_mode::rate_limit;
         if (!mode) return "must be \"error\" or \"429\"";
         s.over_limit = *mode;
         return {};
       }},
      {"retry_after_seconds", integer_key(&sim_settings::retry_after_seconds)},
      {"mix", apply_mix},
      {"mean_call_seconds", number_key(&sim_settings::mean_call_seconds)},
      {"ring_seconds", number_key(&sim_settings::ring_seconds)},
      {"analysis_seconds", number_key(&sim_settings::analysis_seconds)},
      {"transcript_updated",
       [](sim_settings& s, const rapidjson::Value& v) -> std::string {
         if (!v.IsBool()) return "must be true or false";
         s.transcript_updated = v.GetBool();
         return {};
       }},
      {"fail_429_ratio", number_key(&sim_settings::fail_429_ratio)},
      {"fail_500_ratio", number_key(&sim_settings::fail_500_ratio)},
      {"slow_ms", integer_key(&sim_settings::slow_ms)},
      {"duplicate_webhook_ratio", number_key(&sim_settings::duplicate_webhook_ratio)},
      {"reorder_webhooks_ratio", number_key(&sim_settings::reorder_webhooks_ratio)},
      {"drop_call_started_ratio", number_key(&sim_settings::drop_call_started_ratio)},
  };
  return table;
}

}  // namespace

settings_update apply_settings_json(const sim_settings& current, std::string_view json) {
  rapidjson::Document doc;
  std::string text(json);
  doc.Parse(text.c_str(), text.size());
  if (doc.HasParseError() || !doc.IsObject()) return {std::nullopt, "body must be a JSON object"};
  sim_settings next = current;
  for (const auto& m : doc.GetObject()) {
    std::string name(m.name.GetString(), m.name.GetStringLength());
    auto it = keys().find(name);
    if (it == keys().end()) return {std::nullopt, "unknown setting '" + name + "'"};
    if (std::string problem = it->second(next, m.value); !problem.empty())
      return {std::nullopt, name + " " + problem};
  }
  if (std::string problem = validate(next); !problem.empty()) return {std::nullopt, problem};
  return {next, {}};
}

std::string settings_json(const sim_settings& s) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("webhook_url");
  w.String(s.webhook_url.c_str());
  w.Key("time_scale");
  w.Double(s.time_scale);
  w.Key("concurrency_limit");
  w.Int64(s.concurrency_limit);
  w.Key("concurrency_mode");
  w.String(std::string(to_string(s.over_limit)).c_str());
  w.Key("retry_after_seconds");
  w.Int64(s.retry_after_seconds);
  w.Key("mix");
  w.StartObject();
  for (std::size_t i = 0; i < outcome_count; ++i) {
    auto o = static_cast<call_outcome>(i);
    w.Key(std::string(to_string(o)).c_str());
    w.Double(s.mix.weight(o));
  }
  w.EndObject();
  w.Key("mean_call_seconds");
  w.Double(s.mean_call_seconds);
  w.Key("ring_seconds");
  w.Double(s.ring_seconds);
  w.Key("analysis_seconds");
  w.Double(s.analysis_seconds);
  w.Key("transcript_updated");
  w.Bool(s.transcript_updated);
  w.Key("fail_429_ratio");
  w.Double(s.fail_429_ratio);
  w.Key("fail_500_ratio");
  w.Double(s.fail_500_ratio);
  w.Key("slow_ms");
  w.Int64(s.slow_ms);
  w.Key("duplicate_webhook_ratio");
  w.Double(s.duplicate_webhook_ratio);
  w.Key("reorder_webhooks_ratio");
  w.Double(s.reorder_webhooks_ratio);
  w.Key("drop_call_started_ratio");
  w.Double(s.drop_call_started_ratio);
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

}  // namespace dialer::sim

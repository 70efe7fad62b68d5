#include "retell/call_codec.hpp"

#include <charconv>
#include <cmath>
#include <limits>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "retell/client.hpp"

namespace dialer::retell {
namespace {

using json_value = rapidjson::Value;
using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;

// Parses JSON text; nullopt on a syntax error. The document owns every decoded value.
std::optional<rapidjson::Document> parse(std::string_view text) {
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError()) return std::nullopt;
  return doc;
}

// The member `name` of `obj`, or nullptr when absent (or `obj` is not an object).
const json_value* member(const json_value& obj, const char* name) {
  if (!obj.IsObject()) return nullptr;
  auto it = obj.FindMember(name);
  return it == obj.MemberEnd() ? nullptr : &it->value;
}

std::string string_member(const json_value& obj, const char* name) {
  const json_value* v = member(obj, name);
  if (v == nullptr || !v->IsString()) return {};
  return std::string(v->GetString(), v->GetStringLength());
}

std::optional<bool> bool_member(const json_value& obj, const char* name) {
  const json_value* v = member(obj, name);
  if (v == nullptr || !v->IsBool()) return std::nullopt;
  return v->GetBool();
}

// A JSON number as an int64, fractions rounded; nullopt for other types or out of range.
std::optional<std::int64_t> rounded_number(const json_value& v) {
  if (v.IsInt64()) return v.GetInt64();
  if (v.IsUint64()) return std::nullopt;  // above int64 range
  if (v.IsDouble()) {
    double d = v.GetDouble();
    // 2^63 is exactly representable; anything at or beyond it cannot be an int64.
    constexpr double bound = 9223372036854775808.0;
    if (!std::isfinite(d) || d >= bound || d < -bound) return std::nullopt;
    return static_cast<std::int64_t>(std::llround(d));
  }
  return std::nullopt;
}

std::optional<std::int64_t> number_member(const json_value& obj, const char* name) {
  const json_value* v = member(obj, name);
  if (v == nullptr) return std::nullopt;
  return rounded_number(*v);
}

// An identifier sent in metadata: a positive integer as a JSON number or a decimal string;
// 0 for anything else (absent, fractional, negative, not numeric).
id_t metadata_id(const json_value& metadata, const char* name) {
  const json_value* v = member(metadata, name);
  if (v == nullptr) return 0;
  id_t id = 0;
  if (v->IsInt64()) {
    id = v->GetInt64();
  } else if (v->IsDouble()) {
    double d = v->GetDouble();
    if (!std::isfinite(d) || d != std::floor(d) || d < 1 || d >= 9223372036854775808.0) return 0;
    id = static_cast<id_t>(d);
  } else if (v->IsString()) {
    const char* first = v->GetString();
    const char* last = first + v->GetStringLength();
    auto [end, ec] = std::from_chars(first, last, id);
    if (ec != std::errc() || end != last) return 0;
  }
  return id > 0 ? id : 0;
}

provider_call decode_call_object(const json_value& obj) {
  provider_call call;
  call.call_id = string_member(obj, "call_id");
  call.call_status = string_member(obj, "call_status");
  call.disconnection_reason = string_member(obj, "disconnection_reason");
  call.start_timestamp = number_member(obj, "start_timestamp");
  call.end_timestamp = number_member(obj, "end_timestamp");
  call.duration_ms = number_member(obj, "duration_ms");
  call.transcript = string_member(obj, "transcript");
  call.recording_url = string_member(obj, "recording_url");
  if (const json_value* cost = member(obj, "call_cost")) {
    call.cost_cents = number_member(*cost, "combined_cost");
  }
  if (const json_value* analysis = member(obj, "call_analysis")) {
    call.call_summary = string_member(*analysis, "call_summary");
    call.user_sentiment = string_member(*analysis, "user_sentiment");
    call.in_voicemail = bool_member(*analysis, "in_voicemail");
    call.call_successful = bool_member(*analysis, "call_successful");
  }
  if (const json_value* metadata = member(obj, "metadata")) {
    call.attempt_id = metadata_id(*metadata, "attempt_id");
    call.tenant_id = metadata_id(*metadata, "tenant_id");
  }
  if (const json_value* turns = member(obj, "transcript_object"); turns && turns->IsArray()) {
    call.turns.reserve(turns->Size());
    for (const json_value& turn : turns->GetArray()) {
      if (!turn.IsObject()) continue;
      call.turns.emplace_back(string_member(turn, "role"), string_member(turn, "content"));
    }
  }
  return call;
}

void write_string(json_writer& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()), true);
}

void write_string_map(json_writer& w, const std::map<std::string, std::string>& m) {
  w.StartObject();
  for (const auto& [k, v] : m) {
    write_string(w, k);
    write_string(w, v);
  }
  w.EndObject();
}

}  // namespace

std::optional<provider_call> decode_call(std::string_view json) {
  auto doc = parse(json);
  if (!doc || !doc->IsObject()) return std::nullopt;
  return decode_call_object(*doc);
}

std::optional<webhook_event> decode_webhook(std::string_view json) {
  auto doc = parse(json);
  if (!doc || !doc->IsObject()) return std::nullopt;
  const json_value* event = member(*doc, "event");
  const json_value* call = member(*doc, "call");
  if (event == nullptr || !event->IsString() || call == nullptr || !call->IsObject()) {
    return std::nullopt;
  }
  webhook_event out;
  out.event_name.assign(event->GetString(), event->GetStringLength());
  out.kind = parse_webhook_kind(out.event_name);
  out.call = decode_call_object(*call);
  return out;
}

std::string encode_create_call(const create_call_request& req) {
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  w.StartObject();
  w.Key("from_number");
  write_string(w, req.from_number);
  w.Key("to_number");
  write_string(w, req.to_number);
  if (!req.override_agent_id.empty()) {
    w.Key("override_agent_id");
    write_string(w, req.override_agent_id);
  }
  w.Key("metadata");
  write_string_map(w, req.metadata);
  if (!req.dynamic_variables.empty()) {
    w.Key("retell_llm_dynamic_variables");
    write_string_map(w, req.dynamic_variables);
  }
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

std::string encode_list_calls_by_metadata(std::string_view key, std::string_view value, int limit) {
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  w.StartObject();
  w.Key("filter_criteria");
  w.StartObject();
  w.Key("metadata");
  w.StartObject();
  write_string(w, key);
  write_string(w, value);
  w.EndObject();
  w.EndObject();
  w.Key("sort_order");
  w.String("descending");
  w.Key("limit");
  w.Int(limit);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

std::optional<std::vector<provider_call>> decode_call_list(std::string_view json) {
  auto doc = parse(json);
  if (!doc) return std::nullopt;
  const json_value* list = &*doc;
  // The documented answer is a bare array; tolerate an envelope {"calls": [...]} as well.
  if (doc->IsObject()) list = member(*doc, "calls");
  if (list == nullptr || !list->IsArray()) return std::nullopt;
  std::vector<provider_call> calls;
  calls.reserve(list->Size());
  for (const json_value& item : list->GetArray()) {
    if (item.IsObject()) calls.push_back(decode_call_object(item));
  }
  return calls;
}

std::optional<concurrency_view> decode_concurrency(std::string_view json) {
  auto doc = parse(json);
  if (!doc || !doc->IsObject()) return std::nullopt;
  concurrency_view view;
  view.current = number_member(*doc, "current_concurrency").value_or(0);
  view.limit = number_member(*doc, "concurrency_limit").value_or(0);
  return view;
}

std::string decode_error_message(std::string_view json) {
  auto doc = parse(json);
  if (!doc) return {};
  return string_member(*doc, "message");
}

}  // namespace dialer::retell

#include "retell_sim/call_json.hpp"

#include <algorithm>
#include <cmath>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "retell_sim/call_script.hpp"

namespace dialer::sim {
namespace {

using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;

// Speech pace used to place words in transcript_object, in seconds per word.
constexpr double seconds_per_word = 0.4;

void key(json_writer& w, std::string_view k) {
  w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
}

void string_value(json_writer& w, std::string_view v) {
  w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
}

void raw_object(json_writer& w, const std::string& json) {
  w.RawValue(json.data(), json.size(), rapidjson::kObjectType);
}

std::vector<std::string_view> split_words(std::string_view text) {
  std::vector<std::string_view> words;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t space = text.find(' ', pos);
    if (space == std::string_view::npos) space = text.size();
    if (space > pos) words.push_back(text.substr(pos, space - pos));
    pos = space + 1;
  }
  return words;
}

double millis_round(double seconds) {
  return std::round(seconds * 1000) / 1000;
}

void write_transcript_object(json_writer& w, const sim_call& call, std::size_t lines) {
  std::size_t total_words = 0;
  for (const auto& line : call.transcript) total_words += split_words(line.content).size();
  double slot = seconds_per_word;
  if (call.duration_ms && total_words > 0)
    slot = std::min(slot, static_cast<double>(*call.duration_ms) / 1000.0 / total_words);
  double at = 0;
  w.StartArray();
  for (std::size_t i = 0; i < lines; ++i) {
    const auto& line = call.transcript[i];
    w.StartObject();
    key(w, "role");
    string_value(w, line.role);
    key(w, "content");
    string_value(w, line.content);
    key(w, "words");
    w.StartArray();
    for (std::string_view word : split_words(line.content)) {
      w.StartObject();
      key(w, "word");
      string_value(w, word);
      key(w, "start");
      w.Double(millis_round(at));
      key(w, "end");
      w.Double(millis_round(at + slot * 0.9));
      w.EndObject();
      at += slot;
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
}

void write_cost(json_writer& w, const call_cost& cost) {
  w.StartObject();
  key(w, "product_costs");
  w.StartArray();
  for (const auto& p : cost.product_costs) {
    w.StartObject();
    key(w, "product");
    string_value(w, p.product);
    key(w, "unit_price");
    w.Double(p.unit_price);
    key(w, "cost");
    w.Double(p.cost);
    w.EndObject();
  }
  w.EndArray();
  key(w, "total_duration_seconds");
  w.Double(cost.total_duration_seconds);
  key(w, "total_duration_unit_price");
  w.Double(cost.total_duration_unit_price);
  key(w, "combined_cost");
  w.Double(cost.combined_cost);
  w.EndObject();
}

void write_analysis(json_writer& w, const call_analysis& a) {
  w.StartObject();
  key(w, "call_summary");
  string_value(w, a.call_summary);
  key(w, "in_voicemail");
  w.Bool(a.in_voicemail);
  key(w, "user_sentiment");
  string_value(w, a.user_sentiment);
  key(w, "call_successful");
  w.Bool(a.call_successful);
  key(w, "custom_analysis_data");
  w.StartObject();
  w.EndObject();
  w.EndObject();
}

void write_call(json_writer& w, const sim_call& call, std::size_t transcript_lines) {
  w.StartObject();
  key(w, "call_type");
  string_value(w, "phone_call");
  key(w, "call_id");
  string_value(w, call.call_id);
  key(w, "agent_id");
  string_value(w, call.agent_id);
  key(w, "agent_version");
  w.Int(1);
  key(w, "call_status");
  string_value(w, call.call_status);
  key(w, "direction");
  string_value(w, "outbound");
  key(w, "from_number");
  string_value(w, call.from_number);
  key(w, "to_number");
  string_value(w, call.to_number);
  if (!call.metadata_json.empty()) {
    key(w, "metadata");
    raw_object(w, call.metadata_json);
  }
  if (!call.dynamic_variables_json.empty()) {
    key(w, "retell_llm_dynamic_variables");
    raw_object(w, call.dynamic_variables_json);
  }
  if (call.start_timestamp) {
    key(w, "start_timestamp");
    w.Int64(*call.start_timestamp);
  }
  if (call.end_timestamp) {
    key(w, "end_timestamp");
    w.Int64(*call.end_timestamp);
  }
  if (call.duration_ms) {
    key(w, "duration_ms");
    w.Int64(*call.duration_ms);
  }
  if (!call.disconnection_reason.empty()) {
    key(w, "disconnection_reason");
    string_value(w, call.disconnection_reason);
  }
  std::size_t lines = std::min(transcript_lines, call.transcript.size());
  if (lines > 0) {
    key(w, "transcript");
    string_value(w, transcript_text(call.transcript, lines));
    key(w, "transcript_object");
    write_transcript_object(w, call, lines);
  }
  if (!call.recording_url.empty()) {
    key(w, "recording_url");
    string_value(w, call.recording_url);
  }
  key(w, "call_cost");
  write_cost(w, call.cost);
  if (call.analysis) {
    key(w, "call_analysis");
    write_analysis(w, *call.analysis);
  }
  w.EndObject();
}

}  // namespace

std::string call_json(const sim_call& call, std::size_t transcript_lines) {
  rapidjson::StringBuffer buffer;
  json_writer w(buffer);
  write_call(w, call, transcript_lines);
  return {buffer.GetString(), buffer.GetSize()};
}

std::string webhook_body(std::string_view event, const sim_call& call,
                         std::size_t transcript_lines) {
  rapidjson::StringBuffer buffer;
  json_writer w(buffer);
  w.StartObject();
  key(w, "event");
  string_value(w, event);
  key(w, "call");
  write_call(w, call, transcript_lines);
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

std::string call_list_json(const std::vector<const sim_call*>& calls) {
  rapidjson::StringBuffer buffer;
  json_writer w(buffer);
  w.StartArray();
  for (const sim_call* call : calls) write_call(w, *call, whole_transcript);
  w.EndArray();
  return {buffer.GetString(), buffer.GetSize()};
}

std::string call_page_json(const std::vector<const sim_call*>& calls, bool has_more) {
  rapidjson::StringBuffer buffer;
  json_writer w(buffer);
  w.StartObject();
  key(w, "items");
  w.StartArray();
  for (const sim_call* call : calls) write_call(w, *call, whole_transcript);
  w.EndArray();
  key(w, "has_more");
  w.Bool(has_more);
  if (has_more && !calls.empty()) {
    key(w, "pagination_key");
    string_value(w, calls.back()->call_id);
  }
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

std::string error_json(std::string_view message) {
  rapidjson::StringBuffer buffer;
  json_writer w(buffer);
  w.StartObject();
  key(w, "status");
  string_value(w, "error");
  key(w, "message");
  string_value(w, message);
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

std::string json_text(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  json_writer w(buffer);
  value.Accept(w);
  return {buffer.GetString(), buffer.GetSize()};
}

std::vector<metadata_field> flatten_metadata(const rapidjson::Value& metadata) {
  std::vector<metadata_field> fields;
  if (!metadata.IsObject()) return fields;
  for (const auto& m : metadata.GetObject()) {
    metadata_field f;
    f.key.assign(m.name.GetString(), m.name.GetStringLength());
    if (m.value.IsString()) {
      f.text.assign(m.value.GetString(), m.value.GetStringLength());
      f.type = metadata_field::kind::string;
    } else {
      f.text = json_text(m.value);
      f.type = m.value.IsNumber() ? metadata_field::kind::number
               : m.value.IsBool() ? metadata_field::kind::boolean
               : m.value.IsNull() ? metadata_field::kind::null
                                  : metadata_field::kind::composite;
    }
    fields.push_back(std::move(f));
  }
  return fields;
}

}  // namespace dialer::sim

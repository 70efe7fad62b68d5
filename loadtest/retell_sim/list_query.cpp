#include "retell_sim/list_query.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include <rapidjson/document.h>

#include "retell_sim/call_json.hpp"

namespace dialer::sim {
namespace {

using op = metadata_condition::op;

std::optional<op> op_from_string(std::string_view s) {
  static constexpr std::pair<std::string_view, op> names[] = {
      {"eq", op::eq}, {"ne", op::ne}, {"sw", op::sw}, {"ew", op::ew},
      {"co", op::co}, {"gt", op::gt}, {"ge", op::ge}, {"lt", op::lt},
      {"le", op::le}, {"pr", op::pr}, {"np", op::np}, {"in", op::in}};
  for (const auto& [name, value] : names)
    if (name == s) return value;
  return std::nullopt;
}

std::string string_of(const rapidjson::Value& v) {
  return {v.GetString(), v.GetStringLength()};
}

// Text of a scalar filter value as it would compare against stored metadata text.
std::optional<std::string> scalar_text(const rapidjson::Value& v) {
  if (v.IsString()) return string_of(v);
  if (v.IsNumber() || v.IsBool()) return json_text(v);
  return std::nullopt;
}

std::optional<double> number_of(std::string_view text) {
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string parse_metadata_object(const rapidjson::Value& object, list_query& q) {
  for (const auto& m : object.GetObject()) {
    auto text = scalar_text(m.value);
    if (!text) return "filter_criteria.metadata values must be strings, numbers or booleans";
    metadata_condition c;
    c.key = string_of(m.name);
    c.values.push_back(*text);
    q.metadata.push_back(std::move(c));
  }
  return {};
}

std::string parse_metadata_array(const rapidjson::Value& array, list_query& q) {
  for (const auto& item : array.GetArray()) {
    if (!item.IsObject()) return "filter_criteria.metadata entries must be objects";
    auto key = item.FindMember("key");
    auto opm = item.FindMember("op");
    if (key == item.MemberEnd() || !key->value.IsString())
      return "filter_criteria.metadata entries need a string key";
    if (opm == item.MemberEnd() || !opm->value.IsString())
      return "filter_criteria.metadata entries need a string op";
    auto operation = op_from_string(string_of(opm->value));
    if (!operation) return "unsupported filter op '" + string_of(opm->value) + "'";
    metadata_condition c;
    c.key = string_of(key->value);
    c.operation = *operation;
    auto value = item.FindMember("value");
    const bool has_value = value != item.MemberEnd();
    switch (*operation) {
      case op::pr:
      case op::np:
        break;
      case op::in:
        if (!has_value || !value->value.IsArray()) return "op 'in' needs an array value";
        for (const auto& v : value->value.GetArray()) {
          auto text = scalar_text(v);
          if (!text) return "op 'in' values must be scalars";
          c.values.push_back(*text);
        }
        break;
      case op::gt:
      case op::ge:
      case op::lt:
      case op::le:
        if (!has_value || !value->value.IsNumber()) return "numeric ops need a number value";
        c.number = value->value.GetDouble();
        c.numeric = true;
        break;
      default: {
        if (!has_value) return "op needs a value";
        auto text = scalar_text(value->value);
        if (!text) return "filter value must be a string, number or boolean";
        c.values.push_back(*text);
        if (value->value.IsNumber() && (c.operation == op::eq || c.operation == op::ne)) {
          c.numeric = true;
          c.number = value->value.GetDouble();
        }
      }
    }
    q.metadata.push_back(std::move(c));
  }
  return {};
}

// call_status / call_id: ["a", "b"] or {"op": "in", "value": ["a", "b"]}.
std::string parse_string_set(const rapidjson::Value& v, std::string_view name,
                             std::vector<std::string>& out) {
  const rapidjson::Value* list = &v;
  if (v.IsObject()) {
    auto opm = v.FindMember("op");
    auto value = v.FindMember("value");
    if (opm == v.MemberEnd() || !opm->value.IsString() || string_of(opm->value) != "in" ||
        value == v.MemberEnd())
      return "filter_criteria." + std::string(name) + " supports only {\"op\": \"in\", ...}";
    list = &value->value;
  }
  if (!list->IsArray()) return "filter_criteria." + std::string(name) + " must list strings";
  for (const auto& item : list->GetArray()) {
    if (!item.IsString()) return "filter_criteria." + std::string(name) + " must list strings";
    out.push_back(string_of(item));
  }
  return {};
}

const metadata_field* find_field(const sim_call& call, const std::string& key) {
  for (const auto& f : call.metadata_fields)
    if (f.key == key) return &f;
  return nullptr;
}

bool holds(const metadata_condition& c, const sim_call& call) {
  const metadata_field* field = find_field(call, c.key);
  if (c.operation == op::pr) return field != nullptr;
  if (c.operation == op::np) return field == nullptr;
  if (!field) return c.operation == op::ne;
  const std::string& text = field->text;
  if (c.numeric) {
    auto n = number_of(text);
    if (!n) return c.operation == op::ne;
    switch (c.operation) {
      case op::eq:
        return *n == c.number;
      case op::ne:
        return *n != c.number;
      case op::gt:
        return *n > c.number;
      case op::ge:
        return *n >= c.number;
      case op::lt:
        return *n < c.number;
      case op::le:
        return *n <= c.number;
      default:
        return false;
    }
  }
  static const std::string nothing;
  const std::string& v = c.values.empty() ? nothing : c.values.front();
  switch (c.operation) {
    case op::eq:
      return text == v;
    case op::ne:
      return text != v;
    case op::sw:
      return text.compare(0, v.size(), v) == 0;
    case op::ew:
      return text.size() >= v.size() && text.compare(text.size() - v.size(), v.size(), v) == 0;
    case op::co:
      return text.find(v) != std::string::npos;
    case op::in:
      for (const auto& candidate : c.values)
        if (candidate == text) return true;
      return false;
    default:
      return false;
  }
}

bool in_set(const std::vector<std::string>& set, const std::string& value) {
  if (set.empty()) return true;
  for (const auto& s : set)
    if (s == value) return true;
  return false;
}

}  // namespace

list_query_parse parse_list_query(std::string_view body) {
  list_query q;
  rapidjson::Document doc;
  std::string text(body);
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) return {q, {}};
  doc.Parse(text.c_str(), text.size());
  if (doc.HasParseError() || !doc.IsObject()) return {std::nullopt, "body must be a JSON object"};
  for (const auto& m : doc.GetObject()) {
    const std::string name = string_of(m.name);
    const auto& v = m.value;
    if (name == "filter_criteria") {
      if (v.IsNull()) continue;
      if (!v.IsObject()) return {std::nullopt, "filter_criteria must be an object"};
      for (const auto& f : v.GetObject()) {
        const std::string filter = string_of(f.name);
        std::string problem;
        if (filter == "metadata") {
          if (f.value.IsObject())
            problem = parse_metadata_object(f.value, q);
          else if (f.value.IsArray())
            problem = parse_metadata_array(f.value, q);
          else
            problem = "filter_criteria.metadata must be an object or an array";
        } else if (filter == "call_status") {
          problem = parse_string_set(f.value, filter, q.call_statuses);
        } else if (filter == "call_id") {
          problem = parse_string_set(f.value, filter, q.call_ids);
        } else {
          problem = "unsupported filter_criteria key '" + filter +
                    "' (the simulator supports metadata, call_status, call_id)";
        }
        if (!problem.empty()) return {std::nullopt, problem};
      }
    } else if (name == "sort_order") {
      std::string order = v.IsString() ? string_of(v) : "";
      if (order != "ascending" && order != "descending")
        return {std::nullopt, "sort_order must be ascending or descending"};
      q.descending = order == "descending";
    } else if (name == "limit") {
      if (!v.IsInt64() || v.GetInt64() < 1 || v.GetInt64() > 1000)
        return {std::nullopt, "limit must be an integer from 1 to 1000"};
      q.limit = static_cast<std::size_t>(v.GetInt64());
    } else if (name == "pagination_key") {
      if (v.IsNull()) continue;
      if (!v.IsString()) return {std::nullopt, "pagination_key must be a string"};
      q.pagination_key = string_of(v);
    } else {
      return {std::nullopt, "unknown field '" + name + "'"};
    }
  }
  return {q, {}};
}

bool matches(const list_query& query, const sim_call& call) {
  if (!in_set(query.call_statuses, call.call_status)) return false;
  if (!in_set(query.call_ids, call.call_id)) return false;
  for (const auto& c : query.metadata)
    if (!holds(c, call)) return false;
  return true;
}

list_page select_page(const list_query& query, const std::deque<sim_call>& calls_by_creation) {
  list_page page;
  const std::size_t n = calls_by_creation.size();
  bool started = query.pagination_key.empty();
  for (std::size_t i = 0; i < n; ++i) {
    const sim_call& call = calls_by_creation[query.descending ? n - 1 - i : i];
    if (!started) {
      started = call.call_id == query.pagination_key;
      continue;
    }
    if (!matches(query, call)) continue;
    if (page.calls.size() == query.limit) {
      page.has_more = true;
      break;
    }
    page.calls.push_back(&call);
  }
  if (!started) page.error = "unknown pagination_key '" + query.pagination_key + "'";
  return page;
}

}  // namespace dialer::sim

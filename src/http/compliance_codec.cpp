#include "http/compliance_codec.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <array>
#include <cctype>
#include <initializer_list>

#include "core/clock.hpp"

namespace dialer::http {
namespace {

using rapidjson::Value;

constexpr std::string_view day_keys[] = {"sunday",   "monday", "tuesday", "wednesday",
                                         "thursday", "friday", "saturday"};

std::string child(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string item(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

std::string_view view(const Value& v) {
  return {v.GetString(), v.GetStringLength()};
}

// Collects every problem of a document with its JSON path, so a bad file is fixed in one go.
class reader {
 public:
  std::vector<std::string> errors;

  void fail(const std::string& path, std::string_view message) {
    errors.push_back((path.empty() ? std::string("(root)") : path) + ": " + std::string(message));
  }

  bool is_object(const Value& v, const std::string& path) {
    if (v.IsObject()) return true;
    fail(path, "must be an object");
    return false;
  }

  // Unknown keys are errors (a misspelt key must not silently drop a rule).
  void only_keys(const Value& obj, const std::string& path,
                 std::initializer_list<std::string_view> allowed) {
    for (auto it = obj.MemberBegin(); it != obj.MemberEnd(); ++it) {
      const std::string_view key = view(it->name);
      bool known = false;
      for (auto a : allowed) known = known || a == key;
      if (!known) fail(child(path, key), "unknown key");
    }
  }

  static const Value* find(const Value& obj, const char* key) {
    auto it = obj.FindMember(key);
    return it == obj.MemberEnd() ? nullptr : &it->value;
  }

  const Value* required(const Value& obj, const std::string& path, const char* key) {
    const Value* v = find(obj, key);
    if (!v) fail(child(path, key), "is required");
    return v;
  }

  std::optional<std::string> text(const Value& obj, const std::string& path, const char* key,
                                  bool is_required) {
    const Value* v = is_required ? required(obj, path, key) : find(obj, key);
    if (!v) return std::nullopt;
    if (!v->IsString() || v->GetStringLength() == 0) {
      fail(child(path, key), "must be a non-empty string");
      return std::nullopt;
    }
    return std::string(view(*v));
  }

  bool flag(const Value& obj, const std::string& path, const char* key, bool fallback,
            bool is_required = false) {
    const Value* v = is_required ? required(obj, path, key) : find(obj, key);
    if (!v) return fallback;
    if (!v->IsBool()) {
      fail(child(path, key), "must be true or false");
      return fallback;
    }
    return v->GetBool();
  }

  std::optional<std::int64_t> integer(const Value& obj, const std::string& path, const char* key,
                                      std::int64_t min, std::int64_t max) {
    const Value* v = required(obj, path, key);
    if (!v) return std::nullopt;
    if (!v->IsInt64() || v->GetInt64() < min || v->GetInt64() > max) {
      fail(child(path, key),
           "must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
      return std::nullopt;
    }
    return v->GetInt64();
  }

  rule_source source(const Value& obj, const std::string& path) {
    rule_source s;
    s.text = text(obj, path, "source", true).value_or("");
    s.unconfirmed = flag(obj, path, "unconfirmed", false);
    return s;
  }

  std::optional<std::vector<time_window>> day_windows(const Value& v, const std::string& path) {
    if (v.IsString() && view(v) == "forbidden") return std::vector<time_window>{};
    if (!v.IsArray()) {
      fail(path, R"(must be a list of "HH:MM-HH:MM" windows or "forbidden")");
      return std::nullopt;
    }
    std::vector<time_window> out;
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
      std::optional<time_window> w;
      if (v[i].IsString()) w = parse_time_window(view(v[i]));
      if (!w) {
        fail(item(path, i),
             R"(must be a window "HH:MM-HH:MM" with start before end (end up to 24:00))");
        continue;
      }
      out.push_back(*w);
    }
    return out;
  }

  std::optional<weekly_windows> windows(const Value& v, const std::string& path) {
    if (!is_object(v, path)) return std::nullopt;
    only_keys(v, path,
              {"every_day", "weekdays", "weekend", "monday", "tuesday", "wednesday", "thursday",
               "friday", "saturday", "sunday"});
    const std::size_t before = errors.size();
    // Per day, the windows of the most specific key that names it.
    std::array<std::vector<time_window>, 7> days;
    std::array<int, 7> level{};
    auto apply = [&](const char* key, int lvl, std::initializer_list<int> which) {
      const Value* d = find(v, key);
      if (!d) return;
      auto list = day_windows(*d, child(path, key));
      if (!list) return;
      for (int w : which) {
        if (level[static_cast<std::size_t>(w)] > lvl) continue;
        level[static_cast<std::size_t>(w)] = lvl;
        days[static_cast<std::size_t>(w)] = *list;
      }
    };
    apply("every_day", 1, {0, 1, 2, 3, 4, 5, 6});
    apply("weekdays", 2, {1, 2, 3, 4, 5});
    apply("weekend", 2, {0, 6});
    for (int d = 0; d < 7; ++d) apply(day_keys[d].data(), 3, {d});
    if (errors.size() != before) return std::nullopt;
    return weekly_windows(days);
  }

  std::optional<dated_regime> regime(const Value& obj, const std::string& path, const char* key) {
    const Value* v = required(obj, path, key);
    const std::string p = child(path, key);
    if (!v || !is_object(*v, p)) return std::nullopt;
    only_keys(*v, p, {"regime", "from", "before"});
    dated_regime r;
    auto parse = [&](const char* k) -> std::optional<consent_regime> {
      auto t = text(*v, p, k, false);
      if (!t) return std::nullopt;
      auto g = parse_consent_regime(*t);
      if (!g) fail(child(p, k), R"(must be "opt_in" or "opt_out")");
      return g;
    };
    if (!find(*v, "regime")) fail(child(p, "regime"), "is required");
    auto g = parse("regime");
    if (g) r.regime = *g;
    const bool has_from = find(*v, "from") != nullptr;
    const bool has_before = find(*v, "before") != nullptr;
    if (has_from != has_before) fail(p, R"("from" and "before" go together)");
    if (has_from) {
      auto t = text(*v, p, "from", true);
      auto at = t ? parse_iso8601(*t) : std::nullopt;
      if (t && !at)
        fail(child(p, "from"),
             R"(must be an ISO 8601 UTC instant "YYYY-MM-DDTHH:MM:SSZ" or a date)");
      r.from = at;
    }
    if (has_before) {
      auto b = parse("before");
      if (b) r.before = *b;
    }
    return r;
  }

  std::optional<country_rule> rule(std::string_view country, const Value& v,
                                   const std::string& path) {
    if (!is_object(v, path)) return std::nullopt;
    const std::size_t before = errors.size();
    only_keys(v, path,
              {"name", "calling_hours", "holidays", "consent", "attempt_cap", "refusal_cooloff",
               "disclosures", "notes"});
    country_rule r;
    if (country.size() != 2 || !std::isupper(static_cast<unsigned char>(country[0])) ||
        !std::isupper(static_cast<unsigned char>(country[1])))
      fail(path, "country code must be ISO 3166-1 alpha-2 (two capital letters)");
    r.country = std::string(country);
    r.name = text(v, path, "name", true).value_or("");

    if (const Value* h = required(v, path, "calling_hours")) {
      const std::string p = child(path, "calling_hours");
      if (is_object(*h, p)) {
        only_keys(*h, p,
                  {"windows", "legal_floor", "lead_override_allowed", "source", "unconfirmed"});
        if (const Value* w = required(*h, p, "windows"); w && !w->IsNull())
          r.calling_hours.windows = windows(*w, child(p, "windows"));
        r.calling_hours.legal_floor = flag(*h, p, "legal_floor", false, true);
        r.calling_hours.lead_override_allowed = flag(*h, p, "lead_override_allowed", false);
        r.calling_hours.source = source(*h, p);
      }
    }

    if (const Value* h = find(v, "holidays")) {
      const std::string p = child(path, "holidays");
      if (is_object(*h, p)) {
        only_keys(*h, p, {"dates", "source", "unconfirmed"});
        holiday_rule hr;
        if (const Value* dates = required(*h, p, "dates")) {
          if (!dates->IsArray()) fail(child(p, "dates"), "must be a list");
          for (rapidjson::SizeType i = 0; dates->IsArray() && i < dates->Size(); ++i) {
            const std::string ip = item(child(p, "dates"), i);
            const Value& d = (*dates)[i];
            if (!is_object(d, ip)) continue;
            only_keys(d, ip, {"date", "name"});
            auto date_text = text(d, ip, "date", true);
            auto name = text(d, ip, "name", true);
            auto day = date_text ? parse_civil_day(*date_text) : std::nullopt;
            if (date_text && !day) fail(child(ip, "date"), R"(must be a date "YYYY-MM-DD")");
            if (day && name) {
              if (hr.holidays.contains(*day)) fail(child(ip, "date"), "is listed twice");
              hr.holidays.add(*day, *name);
            }
          }
        }
        hr.source = source(*h, p);
        r.holidays = std::move(hr);
      }
    }

    if (const Value* c = required(v, path, "consent")) {
      const std::string p = child(path, "consent");
      if (is_object(*c, p)) {
        only_keys(*c, p, {"b2b", "b2c", "source", "unconfirmed"});
        if (auto g = regime(*c, p, "b2b")) r.consent.b2b = *g;
        if (auto g = regime(*c, p, "b2c")) r.consent.b2c = *g;
        r.consent.source = source(*c, p);
      }
    }

    if (const Value* a = find(v, "attempt_cap")) {
      const std::string p = child(path, "attempt_cap");
      if (is_object(*a, p)) {
        only_keys(*a, p, {"max_calls", "period_days", "applies_to_b2b", "source", "unconfirmed"});
        attempt_cap_rule cap;
        cap.max_calls =
            static_cast<std::int32_t>(integer(*a, p, "max_calls", 1, 10'000).value_or(0));
        cap.period_ms = integer(*a, p, "period_days", 1, 3650).value_or(0) * ms_per_day;
        cap.applies_to_b2b = flag(*a, p, "applies_to_b2b", true);
        cap.source = source(*a, p);
        r.attempt_cap = std::move(cap);
      }
    }

    if (const Value* a = find(v, "refusal_cooloff")) {
      const std::string p = child(path, "refusal_cooloff");
      if (is_object(*a, p)) {
        only_keys(*a, p, {"days", "applies_to_b2b", "source", "unconfirmed"});
        refusal_cooloff_rule cool;
        cool.duration_ms = integer(*a, p, "days", 1, 3650).value_or(0) * ms_per_day;
        cool.applies_to_b2b = flag(*a, p, "applies_to_b2b", true);
        cool.source = source(*a, p);
        r.refusal_cooloff = std::move(cool);
      }
    }

    if (const Value* d = find(v, "disclosures")) {
      const std::string p = child(path, "disclosures");
      if (is_object(*d, p)) {
        only_keys(*d, p, {"ai", "recording", "source", "unconfirmed"});
        disclosure_rule dr;
        dr.ai = flag(*d, p, "ai", false);
        dr.recording = flag(*d, p, "recording", false);
        dr.source = source(*d, p);
        r.disclosures = std::move(dr);
      }
    }

    if (const Value* n = find(v, "notes")) {
      const std::string p = child(path, "notes");
      if (!n->IsArray()) fail(p, "must be a list");
      for (rapidjson::SizeType i = 0; n->IsArray() && i < n->Size(); ++i) {
        const std::string ip = item(p, i);
        if (!is_object((*n)[i], ip)) continue;
        only_keys((*n)[i], ip, {"text", "source", "unconfirmed"});
        rule_note note;
        note.text = text((*n)[i], ip, "text", true).value_or("");
        note.source = source((*n)[i], ip);
        r.notes.push_back(std::move(note));
      }
    }
    if (errors.size() != before) return std::nullopt;
    return r;
  }
};

// Parses `json`; reports a syntax error with its offset.
bool parse(rapidjson::Document& doc, std::string_view json, reader& r) {
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError()) {
    r.fail("", "malformed JSON at offset " + std::to_string(doc.GetErrorOffset()) + ": " +
                   rapidjson::GetParseError_En(doc.GetParseError()));
    return false;
  }
  return true;
}

bool check_format(const Value& root, std::string_view expected, reader& r) {
  if (!r.is_object(root, "")) return false;
  auto format = r.text(root, "", "format", true);
  if (format && *format != expected) r.fail("format", "must be \"" + std::string(expected) + "\"");
  return true;
}

template <class W>
void put(W& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

template <class W>
void put_source(W& w, const rule_source& s) {
  w.Key("source");
  put(w, s.text);
  if (s.unconfirmed) {
    w.Key("unconfirmed");
    w.Bool(true);
  }
}

template <class W>
void put_day(W& w, const std::vector<time_window>& list) {
  if (list.empty()) {
    w.String("forbidden");
    return;
  }
  w.StartArray();
  for (time_window t : list) put(w, format_time_window(t));
  w.EndArray();
}

template <class W>
void put_windows(W& w, const weekly_windows& ww) {
  std::array<std::vector<time_window>, 7> days;
  for (int d = 0; d < 7; ++d) days[static_cast<std::size_t>(d)] = ww.windows_on(d);
  auto same = [&days](std::initializer_list<int> which) {
    for (int d : which)
      if (!(days[static_cast<std::size_t>(d)] == days[static_cast<std::size_t>(*which.begin())]))
        return false;
    return true;
  };
  w.StartObject();
  if (same({0, 1, 2, 3, 4, 5, 6})) {
    w.Key("every_day");
    put_day(w, days[0]);
  } else {
    if (same({1, 2, 3, 4, 5})) {
      w.Key("weekdays");
      put_day(w, days[1]);
    } else {
      for (int d = 1; d <= 5; ++d) {
        w.Key(day_keys[d].data());
        put_day(w, days[static_cast<std::size_t>(d)]);
      }
    }
    if (same({6, 0})) {
      w.Key("weekend");
      put_day(w, days[6]);
    } else {
      w.Key("saturday");
      put_day(w, days[6]);
      w.Key("sunday");
      put_day(w, days[0]);
    }
  }
  w.EndObject();
}

template <class W>
void put_regime(W& w, const dated_regime& r) {
  w.StartObject();
  w.Key("regime");
  put(w, to_string(r.regime));
  if (r.from) {
    w.Key("from");
    put(w, format_iso8601(*r.from));
    w.Key("before");
    put(w, to_string(r.before));
  }
  w.EndObject();
}

template <class W>
void put_rule(W& w, const country_rule& r) {
  w.StartObject();
  w.Key("name");
  put(w, r.name);

  w.Key("calling_hours");
  w.StartObject();
  w.Key("windows");
  if (r.calling_hours.windows)
    put_windows(w, *r.calling_hours.windows);
  else
    w.Null();
  w.Key("legal_floor");
  w.Bool(r.calling_hours.legal_floor);
  w.Key("lead_override_allowed");
  w.Bool(r.calling_hours.lead_override_allowed);
  put_source(w, r.calling_hours.source);
  w.EndObject();

  if (r.holidays) {
    w.Key("holidays");
    w.StartObject();
    w.Key("dates");
    w.StartArray();
    const auto& days = r.holidays->holidays.days();
    const auto& names = r.holidays->holidays.names();
    for (std::size_t i = 0; i < days.size(); ++i) {
      w.StartObject();
      w.Key("date");
      put(w, format_civil_day(days[i]));
      w.Key("name");
      put(w, names[i]);
      w.EndObject();
    }
    w.EndArray();
    put_source(w, r.holidays->source);
    w.EndObject();
  }

  w.Key("consent");
  w.StartObject();
  w.Key("b2b");
  put_regime(w, r.consent.b2b);
  w.Key("b2c");
  put_regime(w, r.consent.b2c);
  put_source(w, r.consent.source);
  w.EndObject();

  if (r.attempt_cap) {
    w.Key("attempt_cap");
    w.StartObject();
    w.Key("max_calls");
    w.Int(r.attempt_cap->max_calls);
    w.Key("period_days");
    w.Int64(r.attempt_cap->period_ms / ms_per_day);
    w.Key("applies_to_b2b");
    w.Bool(r.attempt_cap->applies_to_b2b);
    put_source(w, r.attempt_cap->source);
    w.EndObject();
  }
  if (r.refusal_cooloff) {
    w.Key("refusal_cooloff");
    w.StartObject();
    w.Key("days");
    w.Int64(r.refusal_cooloff->duration_ms / ms_per_day);
    w.Key("applies_to_b2b");
    w.Bool(r.refusal_cooloff->applies_to_b2b);
    put_source(w, r.refusal_cooloff->source);
    w.EndObject();
  }
  if (r.disclosures) {
    w.Key("disclosures");
    w.StartObject();
    w.Key("ai");
    w.Bool(r.disclosures->ai);
    w.Key("recording");
    w.Bool(r.disclosures->recording);
    put_source(w, r.disclosures->source);
    w.EndObject();
  }
  if (!r.notes.empty()) {
    w.Key("notes");
    w.StartArray();
    for (const auto& n : r.notes) {
      w.StartObject();
      w.Key("text");
      put(w, n.text);
      put_source(w, n.source);
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
}

std::optional<std::vector<std::string>> zone_list(reader& r, const Value& v,
                                                  const std::string& path) {
  if (!v.IsArray() || v.Empty()) {
    r.fail(path, "must be a non-empty list of IANA zone names");
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
    if (!v[i].IsString() || v[i].GetStringLength() == 0) {
      r.fail(item(path, i), "must be an IANA zone name");
      return std::nullopt;
    }
    out.emplace_back(view(v[i]));
  }
  return out;
}

}  // namespace

decoded<std::vector<country_rule>> decode_country_rules(std::string_view json) {
  decoded<std::vector<country_rule>> out;
  reader r;
  rapidjson::Document doc;
  if (parse(doc, json, r) && check_format(doc, country_rules_format, r)) {
    r.only_keys(doc, "", {"format", "description", "countries"});
    if (const Value* countries = r.required(doc, "", "countries");
        countries && r.is_object(*countries, "countries")) {
      std::vector<country_rule> rules;
      for (auto it = countries->MemberBegin(); it != countries->MemberEnd(); ++it) {
        const std::string_view code = view(it->name);
        if (auto rule = r.rule(code, it->value, child("countries", code)))
          rules.push_back(std::move(*rule));
      }
      if (rules.empty() && r.errors.empty()) r.fail("countries", "must name at least one country");
      out.value = std::move(rules);
    }
  }
  out.errors = std::move(r.errors);
  if (!out.errors.empty()) out.value.reset();
  return out;
}

decoded<country_rule> decode_country_rule(std::string_view country, std::string_view json) {
  decoded<country_rule> out;
  reader r;
  rapidjson::Document doc;
  if (parse(doc, json, r)) out.value = r.rule(country, doc, "");
  out.errors = std::move(r.errors);
  if (!out.errors.empty()) out.value.reset();
  return out;
}

decoded<weekly_windows> decode_calling_windows(std::string_view json) {
  decoded<weekly_windows> out;
  reader r;
  rapidjson::Document doc;
  if (parse(doc, json, r)) out.value = r.windows(doc, "");
  out.errors = std::move(r.errors);
  if (!out.errors.empty()) out.value.reset();
  return out;
}

std::string encode_country_rule(const country_rule& rule) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  put_rule(w, rule);
  return {buf.GetString(), buf.GetSize()};
}

std::string encode_compliance_verdict(const compliance_verdict& verdict, epoch_ms at) {
  const auto& d = verdict.decision;
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("allowed");
  w.Bool(d.allowed);
  w.Key("country_iso");
  put(w, verdict.country);
  w.Key("timezones");
  w.StartArray();
  for (const auto& z : verdict.time_zones) put(w, z);
  w.EndArray();
  w.Key("timezone_source");
  put(w, to_string(verdict.zones_from));
  if (verdict.number_error != phone_number_error::none) {
    w.Key("number_error");
    put(w, to_string(verdict.number_error));
  }
  w.Key("checks");
  w.StartObject();
  for (std::size_t i = 0; i < compliance_check_count; ++i) {
    put(w, to_string(static_cast<compliance_check>(i)));
    put(w, to_string(d.checks[i]));
  }
  w.EndObject();
  w.Key("block_reason");
  if (d.allowed)
    w.Null();
  else
    put(w, to_string(d.reason));
  w.Key("next_allowed_at");
  if (d.next_allowed_at)
    put(w, format_iso8601(*d.next_allowed_at));
  else
    w.Null();
  w.Key("required_disclosures");
  w.StartArray();
  for (auto x : {disclosure::ai_agent, disclosure::recording})
    if (d.required_disclosures.has(x)) put(w, to_string(x));
  w.EndArray();
  w.Key("decided_for");
  put(w, format_iso8601(at));
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

std::string encode_country_rules(const std::vector<country_rule>& rules) {
  rapidjson::StringBuffer buf;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buf);
  w.SetIndent(' ', 2);
  w.StartObject();
  w.Key("format");
  put(w, country_rules_format);
  w.Key("countries");
  w.StartObject();
  for (const auto& r : rules) {
    put(w, r.country);
    put_rule(w, r);
  }
  w.EndObject();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize()) + "\n";
}

std::string encode_calling_windows(const weekly_windows& windows) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  put_windows(w, windows);
  return {buf.GetString(), buf.GetSize()};
}

decoded<phone_zone_table> decode_phone_zone_table(std::string_view json) {
  decoded<phone_zone_table> out;
  reader r;
  rapidjson::Document doc;
  if (parse(doc, json, r) && check_format(doc, phone_zones_format, r)) {
    r.only_keys(doc, "",
                {"format", "generated_by", "source", "calling_codes", "countries", "prefixes"});
    phone_zone_table table;
    if (const Value* c = r.required(doc, "", "countries"); c && r.is_object(*c, "countries")) {
      for (auto it = c->MemberBegin(); it != c->MemberEnd(); ++it) {
        const std::string_view code = view(it->name);
        const std::string p = child("countries", code);
        if (code.size() != 2 || !std::isupper(static_cast<unsigned char>(code[0])) ||
            !std::isupper(static_cast<unsigned char>(code[1])))
          r.fail(p, "country code must be ISO 3166-1 alpha-2 (two capital letters)");
        else if (auto zones = zone_list(r, it->value, p))
          table.add_country(std::string(code), std::move(*zones));
      }
    }
    if (const Value* pr = r.required(doc, "", "prefixes"); pr && r.is_object(*pr, "prefixes")) {
      for (auto it = pr->MemberBegin(); it != pr->MemberEnd(); ++it) {
        const std::string_view digits = view(it->name);
        const std::string p = child("prefixes", digits);
        bool ok = !digits.empty() && digits.size() <= 15 && digits[0] != '0';
        for (char ch : digits) ok = ok && ch >= '0' && ch <= '9';
        if (!ok)
          r.fail(p, "prefix must be 1 to 15 digits (country code first)");
        else if (auto zones = zone_list(r, it->value, p))
          table.add_prefix(std::string(digits), std::move(*zones));
      }
    }
    out.value = std::move(table);
  }
  out.errors = std::move(r.errors);
  if (!out.errors.empty()) out.value.reset();
  return out;
}

}  // namespace dialer::http

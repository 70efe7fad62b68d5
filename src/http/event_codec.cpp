#include "http/event_codec.hpp"

#include <rapidjson/document.h>

#include "core/clock.hpp"
#include "http/json_io.hpp"

namespace dialer::http {
namespace {

/// ISO 8601 UTC with milliseconds: events of one second stay distinguishable.
std::string iso8601_ms(epoch_ms t) {
  epoch_ms ms = ((t % 1000) + 1000) % 1000;
  std::string text = format_iso8601(t - ms);                   // "...:SSZ"
  std::string fraction = std::to_string(1000 + ms).substr(1);  // three digits
  text.insert(text.size() - 1, "." + fraction);
  return text;
}

void write_value(json_writer& w, const event_value& v) {
  std::visit(
      [&w](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          w.Null();
        } else if constexpr (std::is_same_v<T, bool>) {
          w.Bool(x);
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          w.Int64(x);
        } else if constexpr (std::is_same_v<T, double>) {
          w.Double(x);
        } else if constexpr (std::is_same_v<T, std::string>) {
          put(w, x);
        } else if constexpr (std::is_same_v<T, transcript_turns>) {
          w.StartArray();
          for (const auto& [role, content] : x) {
            w.StartObject();
            put(w, "role", role);
            put(w, "content", content);
            w.EndObject();
          }
          w.EndArray();
        } else {
          static_assert(std::is_same_v<T, named_counts>);
          w.StartObject();
          for (const auto& [name, n] : x) put_int(w, name.c_str(), n);
          w.EndObject();
        }
      },
      v);
}

}  // namespace

std::string render_live_event(const live_event& ev) {
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  w.StartObject();
  put(w, "type", dialer::to_string(ev.type));
  put(w, "ts", iso8601_ms(ev.ts));
  put_int(w, "tenant_id", ev.tenant_id);
  w.Key("data");
  w.StartObject();
  for (const auto& f : ev.data) {
    w.Key(f.name.data(), static_cast<rapidjson::SizeType>(f.name.size()));
    write_value(w, f.value);
  }
  w.EndObject();
  w.EndObject();
  return text_of(buf);
}

std::optional<subscribe_request> parse_subscribe_message(std::string_view text) {
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError() || !doc.IsObject() || doc.MemberCount() != 1) return std::nullopt;
  auto sub = doc.FindMember("subscribe");
  if (sub == doc.MemberEnd() || !sub->value.IsObject()) return std::nullopt;
  subscribe_request out;
  for (const auto& m : sub->value.GetObject()) {
    if (std::string_view(m.name.GetString(), m.name.GetStringLength()) != "campaign_id")
      return std::nullopt;
    if (m.value.IsNull()) continue;
    if (!m.value.IsInt64() || m.value.GetInt64() <= 0) return std::nullopt;
    out.campaign_id = m.value.GetInt64();
  }
  return out;
}

}  // namespace dialer::http

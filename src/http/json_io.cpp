#include "http/json_io.hpp"

#include <rapidjson/error/en.h>

#include "core/clock.hpp"

namespace dialer::http {

payload::payload(std::string_view body) {
  doc_.Parse(body.data(), body.size());
  malformed_ = doc_.HasParseError() || !doc_.IsObject();
  value_ = &doc_;
}

payload::payload(const rapidjson::Value& object, std::string prefix)
    : value_(&object), prefix_(std::move(prefix)) {
  malformed_ = !object.IsObject();
}

void payload::reject(std::string f, std::string message) {
  errors_.push_back({std::move(f), std::move(message)});
}

const rapidjson::Value* payload::member(const char* name) const {
  if (malformed_) return nullptr;
  auto it = value_->FindMember(name);
  if (it == value_->MemberEnd() || it->value.IsNull()) return nullptr;
  return &it->value;
}

bool payload::has(const char* name) const { return !malformed_ && value_->HasMember(name); }

std::optional<std::string> payload::text(const char* name, bool required, std::size_t max_len) {
  const auto* v = member(name);
  if (!v) {
    if (required) reject(field(name), "is required");
    return std::nullopt;
  }
  if (!v->IsString()) {
    reject(field(name), "must be a string");
    return std::nullopt;
  }
  std::string s(v->GetString(), v->GetStringLength());
  if (required && s.empty()) {
    reject(field(name), "must not be empty");
    return std::nullopt;
  }
  if (s.size() > max_len) {
    reject(field(name), "is longer than " + std::to_string(max_len) + " characters");
    return std::nullopt;
  }
  return s;
}

std::optional<std::int64_t> payload::integer(const char* name, bool required, std::int64_t min,
                                             std::int64_t max) {
  const auto* v = member(name);
  if (!v) {
    if (required) reject(field(name), "is required");
    return std::nullopt;
  }
  if (!v->IsInt64()) {
    reject(field(name), "must be an integer");
    return std::nullopt;
  }
  auto n = v->GetInt64();
  if (n < min || n > max) {
    reject(field(name),
           "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return std::nullopt;
  }
  return n;
}

std::optional<bool> payload::boolean(const char* name) {
  const auto* v = member(name);
  if (!v) return std::nullopt;
  if (!v->IsBool()) {
    reject(field(name), "must be true or false");
    return std::nullopt;
  }
  return v->GetBool();
}

std::optional<std::string> payload::object_json(const char* name) {
  const auto* v = member(name);
  if (!v) return std::nullopt;
  if (!v->IsObject()) {
    reject(field(name), "must be an object");
    return std::nullopt;
  }
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  v->Accept(w);
  return text_of(buf);
}

std::optional<std::string> payload::e164(const char* name, bool required) {
  auto s = text(name, required, 32);
  if (s && !is_e164(*s)) {
    reject(field(name), "must be an E.164 number such as +14155550123");
    return std::nullopt;
  }
  return s;
}

std::optional<std::string> payload::one_of(const char* name,
                                           std::initializer_list<const char*> allowed) {
  auto s = text(name, false, 64);
  if (!s) return std::nullopt;
  for (const char* a : allowed)
    if (*s == a) return s;
  std::string list;
  for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
  reject(field(name), "must be one of: " + list);
  return std::nullopt;
}

std::optional<std::int64_t> payload::instant(const char* name) {
  auto s = text(name, false, 64);
  if (!s) return std::nullopt;
  auto t = parse_iso8601(*s);
  if (!t) reject(field(name), "must be an ISO 8601 UTC time such as 2026-01-15T14:30:00Z");
  return t;
}

void put(json_writer& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void put(json_writer& w, const char* key, std::string_view value) {
  w.Key(key);
  put(w, value);
}

void put_int(json_writer& w, const char* key, std::int64_t value) {
  w.Key(key);
  w.Int64(value);
}

void put_opt(json_writer& w, const char* key, const std::optional<std::string>& value) {
  w.Key(key);
  if (value)
    put(w, *value);
  else
    w.Null();
}

void put_opt_int(json_writer& w, const char* key, const std::optional<std::int64_t>& value) {
  w.Key(key);
  if (value)
    w.Int64(*value);
  else
    w.Null();
}

void put_raw(json_writer& w, const char* key, std::string_view json) {
  w.Key(key);
  if (json.empty()) {
    w.Null();
    return;
  }
  w.RawValue(json.data(), json.size(), rapidjson::kObjectType);
}

}  // namespace dialer::http

#pragma once

// JSON at the edge: reading validated payload fields and writing response bodies.

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/validation.hpp"

namespace dialer::http {

/// Writer used for every JSON response body.
using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;

/// Reads the fields of one JSON object payload, collecting a field error for each bad one.
class payload {
 public:
  /// Parses `body`; malformed() tells whether it was not a JSON object.
  explicit payload(std::string_view body);
  /// Wraps an object nested in another payload (for arrays of objects).
  payload(const rapidjson::Value& object, std::string prefix);

  /// True when the body was not valid JSON or not an object.
  bool malformed() const { return malformed_; }
  /// The field errors found so far.
  const field_errors& errors() const { return errors_; }
  /// Adds a field error found by the caller.
  void reject(std::string field, std::string message);
  /// True when the object has this member (even null).
  bool has(const char* name) const;

  /// A string member; a missing one is an error when `required`.
  std::optional<std::string> text(const char* name, bool required = false, std::size_t max_len = 1000);
  /// An integer member within [min, max].
  std::optional<std::int64_t> integer(const char* name, bool required, std::int64_t min,
                                      std::int64_t max);
  /// A boolean member.
  std::optional<bool> boolean(const char* name);
  /// An object member, returned as compact JSON text ("{}" style).
  std::optional<std::string> object_json(const char* name);
  /// An E.164 phone number member.
  std::optional<std::string> e164(const char* name, bool required);
  /// A string member that must be one of `allowed`.
  std::optional<std::string> one_of(const char* name, std::initializer_list<const char*> allowed);
  /// An ISO 8601 UTC instant member, returned as milliseconds.
  std::optional<std::int64_t> instant(const char* name);
  /// The root value (an object when not malformed).
  const rapidjson::Value& root() const { return *value_; }

 private:
  const rapidjson::Value* member(const char* name) const;
  std::string field(const char* name) const { return prefix_ + name; }

  rapidjson::Document doc_;
  const rapidjson::Value* value_ = nullptr;
  std::string prefix_;
  bool malformed_ = false;
  field_errors errors_;
};

/// Writes a string value.
void put(json_writer& w, std::string_view s);
/// Writes "key": "value".
void put(json_writer& w, const char* key, std::string_view value);
/// Writes "key": value for integers.
void put_int(json_writer& w, const char* key, std::int64_t value);
/// Writes "key": value or null.
void put_opt(json_writer& w, const char* key, const std::optional<std::string>& value);
/// Writes "key": value or null for integers.
void put_opt_int(json_writer& w, const char* key, const std::optional<std::int64_t>& value);
/// Writes "key": <raw JSON text> (already valid JSON, e.g. a stored jsonb column).
void put_raw(json_writer& w, const char* key, std::string_view json);

/// Text of the buffer.
inline std::string text_of(const rapidjson::StringBuffer& b) {
  return std::string(b.GetString(), b.GetSize());
}

}  // namespace dialer::http

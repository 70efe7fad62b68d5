#pragma once

// Private to the storage library: the only header that pulls in libpqxx. A std::optional
// statement parameter is sent as SQL NULL when empty (libpqxx's own optional support).

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <pqxx/pqxx>

#include "core/domain.hpp"

namespace dialer::storage {

/// A named SQL statement with $n parameters, prepared on a connection at its first use there.
struct statement {
  std::string name;
  std::string text;
};

/// Sends the call progress held back by this thread's group transaction (held_writes.hpp)
/// before another statement runs in `tx`.
void send_held_writes(pqxx::transaction_base& tx);

/// Executes `s` in `tx` with `args` as its parameters.
template <class... Args>
pqxx::result run(pqxx::transaction_base& tx, const statement& s, Args&&... args) {
  send_held_writes(tx);
  // Registering the same text again is a no-op; libpqxx prepares it lazily per connection
  // and again after a reconnect.
  tx.conn().prepare(s.name, s.text);
  return tx.exec_prepared(s.name, std::forward<Args>(args)...);
}

/// The field's text, or "" when it is NULL.
std::string text_of(const pqxx::field& f);

/// The field's value, or nullopt when it is NULL.
template <class T>
std::optional<T> optional_of(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<T>();
}

/// The field's text, or nullopt when it is NULL.
std::optional<std::string> optional_text_of(const pqxx::field& f);

/// The first row decoded by `decode`, or nullopt when the result is empty.
template <class Row, class Decode>
std::optional<Row> first_of(const pqxx::result& r, Decode decode) {
  if (r.empty()) return std::nullopt;
  return decode(r[0]);
}

/// Every row decoded by `decode`, in result order.
template <class Row, class Decode>
std::vector<Row> all_of(const pqxx::result& r, Decode decode) {
  std::vector<Row> rows;
  rows.reserve(r.size());
  for (const auto& row : r) rows.push_back(decode(row));
  return rows;
}

/// A PostgreSQL array literal of ids ("{1,2,3}"), sent as one `$n::bigint[]` parameter.
std::string id_array(const std::vector<id_t>& ids);

/// A PostgreSQL array literal of texts ("{\"a\",\"b\"}", each element quoted and escaped),
/// sent as one `$n::text[]` parameter.
std::string text_array(const std::vector<std::string>& values);

/// A PostgreSQL array literal of booleans ("{t,f}"), sent as one `$n::boolean[]` parameter.
std::string bool_array(const std::vector<bool>& values);

/// A PostgreSQL array literal of integers ("{1,-2}"), sent as one `$n::integer[]` parameter.
std::string int_array(const std::vector<std::int32_t>& values);

/// A PostgreSQL array literal of 64-bit integers with NULL for each empty one ("{1,NULL}"),
/// sent as one `$n::bigint[]` parameter.
std::string optional_int64_array(const std::vector<std::optional<std::int64_t>>& values);

/// A PostgreSQL array literal of booleans with NULL for each empty one ("{t,NULL}"), sent as
/// one `$n::boolean[]` parameter.
std::string optional_bool_array(const std::vector<std::optional<bool>>& values);

/// An ILIKE pattern matching `s` anywhere, with its %, _ and \ taken literally.
std::string contains_pattern(const std::string& s);

/// A JSON text as given, or "{}" when empty.
std::string json_or_empty_object(const std::string& json);

/// The stored name of an enum value (campaign_status, attempt_state, ...).
template <class Enum>
std::string name_of(Enum e) {
  return std::string(to_string(e));
}

/// Clamps a page size or offset given by a caller to a non-negative value.
std::int32_t non_negative(std::int32_t n);

}  // namespace dialer::storage

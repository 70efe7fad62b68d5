#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dialer {

/// One record of a CSV text: its fields, the line it starts on, and why it is malformed.
struct csv_record {
  std::vector<std::string> fields;
  std::int64_t line = 0;  ///< 1-based physical line where the record starts
  std::string error;      ///< empty for a well-formed record
};

/// Reads RFC 4180 CSV records one at a time from text the caller keeps alive: fields quoted
/// with '"' (a doubled '"' inside is one quote) may hold commas and line breaks; records end at
/// CRLF, LF or CR; a leading UTF-8 byte order mark is skipped, and so are empty lines.
class csv_reader {
 public:
  /// A reader over `text`, which must outlive it.
  explicit csv_reader(std::string_view text);

  /// Reads the next record into `out` (reusing its storage); false when the text is exhausted.
  /// A malformed record (stray quote, text after a closing quote, unterminated quote) comes back
  /// with `error` set; reading resumes at the next line break, so later records are unaffected.
  bool next(csv_record& out);

  /// Bytes of the text consumed so far.
  std::size_t offset() const { return pos_; }

 private:
  /// Consumes one line break at pos_ (CRLF, LF or CR) if there is one; true when it did.
  bool take_line_break();
  /// Skips to just after the next line break (or the end): recovery after a malformed field.
  void skip_line();

  std::string_view text_;
  std::size_t pos_ = 0;
  std::int64_t line_ = 1;
};

}  // namespace dialer

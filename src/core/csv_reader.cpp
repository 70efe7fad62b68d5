#include "core/csv_reader.hpp"

namespace dialer {
namespace {

constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";

}  // namespace

csv_reader::csv_reader(std::string_view text) : text_(text) {
  if (text_.substr(0, utf8_bom.size()) == utf8_bom) pos_ = utf8_bom.size();
}

bool csv_reader::take_line_break() {
  if (pos_ >= text_.size()) return false;
  if (text_[pos_] == '\n') {
    ++pos_;
  } else if (text_[pos_] == '\r') {
    ++pos_;
    if (pos_ < text_.size() && text_[pos_] == '\n') ++pos_;
  } else {
    return false;
  }
  ++line_;
  return true;
}

void csv_reader::skip_line() {
  auto end = text_.find_first_of("\r\n", pos_);
  pos_ = end == std::string_view::npos ? text_.size() : end;
  take_line_break();
}

bool csv_reader::next(csv_record& out) {
  while (take_line_break()) {
  }
  if (pos_ >= text_.size()) return false;

  out.line = line_;
  out.error.clear();
  std::size_t used = 0;
  const std::size_t size = text_.size();

  for (;;) {
    if (used == out.fields.size()) out.fields.emplace_back();
    std::string& field = out.fields[used++];
    field.clear();

    if (pos_ < size && text_[pos_] == '"') {
      ++pos_;
      bool closed = false;
      while (pos_ < size) {
        auto quote = text_.find('"', pos_);
        std::string_view chunk =
            text_.substr(pos_, quote == std::string_view::npos ? size - pos_ : quote - pos_);
        // Line breaks inside quotes are data, but they still advance the physical line.
        for (std::size_t i = 0; i < chunk.size(); ++i) {
          if (chunk[i] == '\n' ||
              (chunk[i] == '\r' && (i + 1 == chunk.size() || chunk[i + 1] != '\n')))
            ++line_;
        }
        field.append(chunk);
        if (quote == std::string_view::npos) {
          pos_ = size;
          break;
        }
        pos_ = quote + 1;
        if (pos_ < size && text_[pos_] == '"') {
          field.push_back('"');
          ++pos_;
          continue;
        }
        closed = true;
        break;
      }
      if (!closed) {
        out.error = "unterminated quoted field";
        break;
      }
      if (pos_ >= size || take_line_break()) break;
      if (text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      out.error = "unexpected text after a closing quote";
      skip_line();
      break;
    }

    auto end = text_.find_first_of(",\r\n\"", pos_);
    if (end == std::string_view::npos) end = size;
    field.append(text_.substr(pos_, end - pos_));
    pos_ = end;
    if (pos_ < size && text_[pos_] == '"') {
      out.error = "unexpected quote inside an unquoted field";
      skip_line();
      break;
    }
    if (pos_ < size && text_[pos_] == ',') {
      ++pos_;
      continue;
    }
    take_line_break();
    break;
  }
  out.fields.resize(used);
  return true;
}

}  // namespace dialer

#include "core/csv_reader.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace dialer {
namespace {

using rows = std::vector<std::vector<std::string>>;

/// Every record of `text` (fields only), failing the test on a malformed one.
rows read_all(std::string_view text) {
  csv_reader reader(text);
  csv_record r;
  rows out;
  while (reader.next(r)) {
    EXPECT_EQ(r.error, "") << "line " << r.line;
    out.push_back(r.fields);
  }
  return out;
}

TEST(csv_reader, plain_records_with_lf_crlf_and_no_final_break) {
  EXPECT_EQ(read_all("a,b,c\n1,2,3\n"), (rows{{"a", "b", "c"}, {"1", "2", "3"}}));
  EXPECT_EQ(read_all("a,b\r\n1,2\r\n"), (rows{{"a", "b"}, {"1", "2"}}));
  EXPECT_EQ(read_all("a,b\r\n1,2"), (rows{{"a", "b"}, {"1", "2"}}));
  EXPECT_EQ(read_all("a,b\r1,2\r"), (rows{{"a", "b"}, {"1", "2"}}));
}

TEST(csv_reader, empty_fields_are_kept) {
  EXPECT_EQ(read_all(",a,,\n"), (rows{{"", "a", "", ""}}));
  EXPECT_EQ(read_all("\"\"\n"), (rows{{""}}));
  EXPECT_EQ(read_all("a,\"\"\n"), (rows{{"a", ""}}));
}

TEST(csv_reader, quoted_fields_hold_commas_quotes_and_line_breaks) {
  EXPECT_EQ(read_all("\"Smith, John\",\"say \"\"hi\"\"\"\n"),
            (rows{{"Smith, John", "say \"hi\""}}));
  EXPECT_EQ(read_all("\"two\nlines\",x\r\n\"crlf\r\ninside\",y\n"),
            (rows{{"two\nlines", "x"}, {"crlf\r\ninside", "y"}}));
}

TEST(csv_reader, a_byte_order_mark_and_blank_lines_are_skipped) {
  EXPECT_EQ(read_all("\xEF\xBB\xBFphone,name\n\n+14155550100,Ada\r\n\r\n"),
            (rows{{"phone", "name"}, {"+14155550100", "Ada"}}));
  EXPECT_TRUE(read_all("").empty());
  EXPECT_TRUE(read_all("\xEF\xBB\xBF").empty());
  EXPECT_TRUE(read_all("\n\r\n\n").empty());
}

TEST(csv_reader, records_carry_the_line_they_start_on) {
  csv_reader reader("h1,h2\n\n\"multi\nline\",b\r\nc,d\n");
  csv_record r;
  std::vector<std::int64_t> lines;
  while (reader.next(r)) lines.push_back(r.line);
  EXPECT_EQ(lines, (std::vector<std::int64_t>{1, 3, 5}));
}

TEST(csv_reader, a_malformed_record_is_reported_and_the_next_ones_still_read) {
  csv_reader reader("a,b\n\"x\"y,z\nok,1\nbad\"quote,2\nfine,3\n");
  csv_record r;
  ASSERT_TRUE(reader.next(r));
  EXPECT_EQ(r.error, "");
  ASSERT_TRUE(reader.next(r));
  EXPECT_EQ(r.line, 2);
  EXPECT_EQ(r.error, "unexpected text after a closing quote");
  ASSERT_TRUE(reader.next(r));
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.fields, (std::vector<std::string>{"ok", "1"}));
  ASSERT_TRUE(reader.next(r));
  EXPECT_EQ(r.line, 4);
  EXPECT_EQ(r.error, "unexpected quote inside an unquoted field");
  ASSERT_TRUE(reader.next(r));
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.line, 5);
  EXPECT_EQ(r.fields, (std::vector<std::string>{"fine", "3"}));
  EXPECT_FALSE(reader.next(r));
}

TEST(csv_reader, an_unterminated_quote_swallows_the_rest_and_is_reported) {
  csv_reader reader("a,b\n\"open,1\n2,3\n");
  csv_record r;
  ASSERT_TRUE(reader.next(r));
  ASSERT_TRUE(reader.next(r));
  EXPECT_EQ(r.line, 2);
  EXPECT_EQ(r.error, "unterminated quoted field");
  EXPECT_FALSE(reader.next(r));
}

TEST(csv_reader, storage_is_reused_between_records_of_different_widths) {
  csv_reader reader("a,b,c\nd\ne,f\n");
  csv_record r;
  ASSERT_TRUE(reader.next(r));
  EXPECT_EQ(r.fields.size(), 3u);
  ASSERT_TRUE(reader.next(r));
  EXPECT_EQ(r.fields, (std::vector<std::string>{"d"}));
  ASSERT_TRUE(reader.next(r));
  EXPECT_EQ(r.fields, (std::vector<std::string>{"e", "f"}));
  EXPECT_EQ(reader.offset(), std::string_view("a,b,c\nd\ne,f\n").size());
}

TEST(csv_reader, reads_many_records_in_order) {
  std::string text = "phone\n";
  for (int i = 0; i < 10'000; ++i) text += "+1415555" + std::to_string(1000 + i % 9000) + "\n";
  csv_reader reader(text);
  csv_record r;
  int n = 0;
  while (reader.next(r)) ++n;
  EXPECT_EQ(n, 10'001);
  EXPECT_EQ(r.line, 10'001);
}

}  // namespace
}  // namespace dialer

#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace dialer::http {

/// Decodes %XX escapes (and '+' as a space when `plus_is_space`, as in query strings).
/// A '%' not followed by two hex digits is kept as it is.
std::string percent_decode(std::string_view text, bool plus_is_space = false);

/// The path part of a request target (everything before '?'; the fragment is dropped).
std::string_view target_path(std::string_view target);

/// The query part of a request target (after the first '?', without any fragment), or "".
std::string_view target_query(std::string_view target);

/// Parses "a=1&b=x%20y&c" into decoded pairs {a:1, b:"x y", c:""}; empty pieces are skipped.
std::multimap<std::string, std::string> parse_query(std::string_view query);

/// Splits a raw path "/a/b%2Fc" into decoded segments {"a", "b/c"}; "/" and "" give none.
std::vector<std::string> path_segments(std::string_view raw_path);

}  // namespace dialer::http

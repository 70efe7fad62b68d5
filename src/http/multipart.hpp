#pragma once

// multipart/form-data (RFC 7578) bodies, as browsers and curl send file uploads.

#include <optional>
#include <string>
#include <string_view>

namespace dialer::http {

/// One part of a multipart/form-data body.
struct form_part {
  std::string name;          ///< the form field name (Content-Disposition name)
  std::string filename;      ///< the uploaded file's name, if any
  std::string content_type;  ///< the part's Content-Type, if any
  std::string_view content;  ///< the part's bytes: a view into the body
};

/// The value of parameter `name` in a header value such as
/// `multipart/form-data; boundary="x"` (name matched case-insensitively, quotes removed).
std::optional<std::string> header_parameter(std::string_view value, std::string_view name);

/// True when a Content-Type names this media type ("text/csv; charset=utf-8" is "text/csv").
bool has_media_type(std::string_view content_type, std::string_view media_type);

/// The part whose field name is `field` in a multipart body delimited by `boundary`;
/// nullopt when there is none or the body is not well-formed multipart.
std::optional<form_part> find_form_part(std::string_view body, std::string_view boundary,
                                        std::string_view field);

}  // namespace dialer::http

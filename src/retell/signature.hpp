#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace dialer::retell {

/// Why a webhook signature was refused.
enum class signature_status { valid, malformed, bad_digest, stale };

/// Text name of a signature check result.
std::string_view to_string(signature_status s);

/// Builds the `x-retell-signature` header value for `body` at `timestamp_ms`:
/// "v=<ms>,d=<hex HMAC-SHA256(key, body + decimal ms)>".
std::string sign_webhook(std::string_view body, std::string_view api_key,
                         std::int64_t timestamp_ms);

/// Checks a header value against the exact raw `body`; the timestamp must lie within
/// `tolerance_ms` of `now_ms` in either direction. Digest compared in constant time.
signature_status verify_webhook(std::string_view body, std::string_view api_key,
                                std::string_view header, std::int64_t now_ms,
                                std::int64_t tolerance_ms = 5 * 60 * 1000);

}  // namespace dialer::retell

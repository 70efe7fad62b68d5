#pragma once

#include <string>
#include <string_view>

namespace dialer::http {

/// A fresh request id: "req_" followed by 16 random lower-case hex characters.
std::string make_request_id();

/// True when a client-sent X-Request-Id may be reused as is: [A-Za-z0-9_-]{1,64}.
bool is_safe_request_id(std::string_view id);

/// The incoming id when it is safe, else a fresh one.
std::string request_id_for(std::string_view incoming);

}  // namespace dialer::http

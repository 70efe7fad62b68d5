#pragma once

// Wire codecs the client uses besides decode_call / decode_webhook / encode_create_call
// (declared in client.hpp). Pure functions over JSON text, unit tested on their own.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/domain.hpp"

namespace dialer::retell {

/// Current and maximum concurrent calls of an account, from GET /get-concurrency.
struct concurrency_view {
  std::int64_t current = 0;
  std::int64_t limit = 0;
};

/// Encodes a list-calls body filtering on metadata key = value, newest first.
std::string encode_list_calls_by_metadata(std::string_view key, std::string_view value,
                                          int limit = 1000);

/// Decodes a list-calls answer (a JSON array of call objects); nullopt when not an array.
std::optional<std::vector<provider_call>> decode_call_list(std::string_view json);

/// Decodes a get-concurrency answer; nullopt when not an object.
std::optional<concurrency_view> decode_concurrency(std::string_view json);

/// The "message" of an error body {"status":"error","message":...}; empty when absent.
std::string decode_error_message(std::string_view json);

}  // namespace dialer::retell

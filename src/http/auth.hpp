#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "http/message.hpp"

namespace dialer::http {

/// PBKDF2 iterations for new password hashes: OWASP's 2023 figure for PBKDF2-HMAC-SHA256
/// (about 0.15 s of one core here, so hashing belongs off the I/O threads).
inline constexpr unsigned pbkdf2_iterations = 600'000;

/// A fresh per-user salt: 16 random bytes (RAND_bytes) as 32 lower-case hex characters.
std::string make_salt();

/// The stored form of a password: "pbkdf2-sha256$<iterations>$<64 hex chars of the key>".
std::string hash_password(std::string_view password, std::string_view salt,
                          unsigned iterations = pbkdf2_iterations);

/// True when `password` with `salt` gives `stored` (compared in constant time); false for a
/// malformed stored string.
bool check_password(std::string_view password, std::string_view salt, std::string_view stored);

/// The identity a bearer JWT carries.
struct token_claims {
  std::int64_t user_id = 0;    ///< claim "sub", as a decimal string
  std::int64_t tenant_id = 0;  ///< claim "tenant_id"
  bool is_admin = false;       ///< claim "is_admin"
  std::int64_t exp = 0;        ///< claim "exp", seconds since the epoch
  std::int64_t iat = 0;        ///< claim "iat"; 0 when issuing: the system clock's now
  std::string role{};          ///< claim "role" (admin, user, viewer); "" when absent
};

/// A JWT signed with HS256 carrying sub, tenant_id, is_admin, exp and iat; throws
/// std::invalid_argument for an empty secret.
std::string issue_token(std::string_view secret, const token_claims& claims);

/// The claims of `token` when it is HS256 with a valid signature under `secret`, every claim
/// is present with the right type, `now_s` < exp, and a role claim, when present, is one of
/// admin, user, viewer and agrees with is_admin; nullopt otherwise.
std::optional<token_claims> verify_token(std::string_view secret, std::string_view token,
                                         std::int64_t now_s);

/// The credential of "Authorization: Bearer <x>" (scheme case-insensitive), or nullopt.
std::optional<std::string> bearer_token(const request& req);

/// What every API key starts with, so that a leaked key is recognisable (secret scanners).
inline constexpr std::string_view api_key_prefix = "dk_";

/// A fresh API key: "dk_" followed by 32 random bytes (RAND_bytes) as 64 hex characters.
std::string make_api_key();

/// True when `credential` has the shape of an API key (not of a JWT).
bool is_api_key(std::string_view credential);

/// The stored form of an API key: the SHA-256 of the whole key, 64 lower-case hex characters.
std::string api_key_digest(std::string_view key);

}  // namespace dialer::http

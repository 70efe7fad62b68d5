#pragma once

#include <string>

namespace dialer {

/// A tenant's own provider account (PUT /settings/provider): where its calls are placed instead
/// of the platform account. The key is a secret: never logged, never a metric label, never
/// returned by the API.
struct provider_account {
  std::string api_key;   ///< the tenant's Retell key
  std::string base_url;  ///< its Retell base URL; empty: the platform's base URL

  /// True when both name the same account the same way (a changed key or URL is a new client).
  friend bool operator==(const provider_account& a, const provider_account& b) {
    return a.api_key == b.api_key && a.base_url == b.base_url;
  }
  friend bool operator!=(const provider_account& a, const provider_account& b) { return !(a == b); }
};

}  // namespace dialer

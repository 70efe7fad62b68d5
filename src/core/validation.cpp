#include "core/validation.hpp"

#include <algorithm>

namespace dialer {

bool is_e164(std::string_view n) {
  if (n.size() < 9 || n.size() > 16 || n[0] != '+' || n[1] < '1' || n[1] > '9') return false;
  return std::all_of(n.begin() + 1, n.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_email(std::string_view t) {
  auto at = t.find('@');
  if (at == std::string_view::npos || at == 0 || t.find('@', at + 1) != std::string_view::npos)
    return false;
  if (t.size() > 254 || t.find_first_of(" \t\r\n") != std::string_view::npos) return false;
  auto domain = t.substr(at + 1);
  auto dot = domain.find('.');
  return dot != std::string_view::npos && dot > 0 && dot + 1 < domain.size();
}

}  // namespace dialer

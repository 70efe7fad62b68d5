#include "core/outbound_call.hpp"

namespace dialer {

std::string_view to_string(campaign_kind k) {
  return k == campaign_kind::outbound ? "outbound" : "campaign";
}

std::optional<campaign_kind> parse_campaign_kind(std::string_view s) {
  if (s == "campaign") return campaign_kind::campaign;
  if (s == "outbound") return campaign_kind::outbound;
  return std::nullopt;
}

bool takes_changes(campaign_kind k) {
  return k == campaign_kind::campaign;
}

bool takes_changes(std::string_view kind_name) {
  auto k = parse_campaign_kind(kind_name);
  return k && takes_changes(*k);
}

std::string outbound_call_name(std::string_view phone) {
  return "Outbound call to " + std::string(phone);
}

outbound_number choose_outbound_number(const std::optional<std::string>& to_number,
                                       const std::optional<std::string>& lead_phone) {
  if (!lead_phone) {
    if (!to_number || to_number->empty()) return {"", "give to_number or lead_id"};
    return {*to_number, ""};
  }
  if (to_number && *to_number != *lead_phone)
    return {"", "is not the number of the lead (omit it to call the lead's number)"};
  return {*lead_phone, ""};
}

}  // namespace dialer

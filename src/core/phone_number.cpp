#include "core/phone_number.hpp"

#include <phonenumbers/phonenumberutil.h>

#include "core/validation.hpp"

namespace dialer {

std::string_view to_string(phone_number_error e) {
  switch (e) {
    case phone_number_error::none:
      return "none";
    case phone_number_error::not_e164:
      return "not_e164";
    case phone_number_error::not_a_number:
      return "not_a_number";
    case phone_number_error::invalid_number:
      return "invalid_number";
    case phone_number_error::no_country:
      return "no_country";
  }
  return "unknown";
}

phone_number_parse parse_phone_number(std::string_view e164) {
  using i18n::phonenumbers::PhoneNumber;
  using i18n::phonenumbers::PhoneNumberUtil;
  phone_number_parse out;
  if (!is_e164(e164)) {
    out.error = phone_number_error::not_e164;
    return out;
  }
  // The singleton is thread-safe for these const queries.
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  PhoneNumber parsed;
  if (util.Parse(std::string(e164), "ZZ", &parsed) != PhoneNumberUtil::NO_PARSING_ERROR) {
    out.error = phone_number_error::not_a_number;
    return out;
  }
  if (!util.IsValidNumber(parsed)) {
    out.error = phone_number_error::invalid_number;
    return out;
  }
  std::string region;
  util.GetRegionCodeForNumber(parsed, &region);
  if (region.size() != 2 || region == "ZZ") {
    out.error = phone_number_error::no_country;
    return out;
  }
  phone_number_facts facts;
  util.Format(parsed, PhoneNumberUtil::E164, &facts.e164);
  facts.country_code = parsed.country_code();
  facts.country = std::move(region);
  const auto type = util.GetNumberType(parsed);
  facts.mobile = type == PhoneNumberUtil::MOBILE || type == PhoneNumberUtil::FIXED_LINE_OR_MOBILE;
  facts.geographical = util.IsNumberGeographical(parsed);
  out.number = std::move(facts);
  return out;
}

}  // namespace dialer

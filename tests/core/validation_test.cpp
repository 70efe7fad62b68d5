#include "core/validation.hpp"

#include <gtest/gtest.h>

namespace dialer {
namespace {

TEST(e164, accepts_and_rejects) {
  EXPECT_TRUE(is_e164("+14155550123"));
  EXPECT_TRUE(is_e164("+33612345678"));
  for (const char* bad : {"", "14155550123", "+0123456789", "+1415555", "+1415555012345678",
                          "+1 415 555 0123", "+1415555O123"})
    EXPECT_FALSE(is_e164(bad)) << bad;
}

TEST(email, accepts_and_rejects) {
  EXPECT_TRUE(is_email("ops@example.com"));
  for (const char* bad : {"", "no-at", "@example.com", "a@b", "a@@b.com", "a b@c.com", "a@.com"})
    EXPECT_FALSE(is_email(bad)) << bad;
}

}  // namespace
}  // namespace dialer

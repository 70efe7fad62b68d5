#include "core/campaign_lifecycle.hpp"

#include <gtest/gtest.h>

namespace dialer {
namespace {

using cs = campaign_status;
using cmd = campaign_command;

TEST(campaign_lifecycle, allowed_transitions) {
  EXPECT_EQ(next_status(cs::draft, cmd::start, false), cs::running);
  EXPECT_EQ(next_status(cs::draft, cmd::start, true), cs::scheduled);
  EXPECT_EQ(next_status(cs::running, cmd::pause, false), cs::paused);
  EXPECT_EQ(next_status(cs::paused, cmd::resume, false), cs::running);
  EXPECT_EQ(next_status(cs::running, cmd::stop, false), cs::cancelled);
  EXPECT_EQ(next_status(cs::paused, cmd::stop, false), cs::cancelled);
}

TEST(campaign_lifecycle, refused_transitions) {
  EXPECT_FALSE(next_status(cs::running, cmd::start, false));
  EXPECT_FALSE(next_status(cs::draft, cmd::pause, false));
  EXPECT_FALSE(next_status(cs::running, cmd::resume, false));
  EXPECT_FALSE(next_status(cs::completed, cmd::stop, false));
  EXPECT_FALSE(next_status(cs::cancelled, cmd::start, false));
}

TEST(campaign_lifecycle, editability) {
  EXPECT_TRUE(editable(cs::draft));
  EXPECT_TRUE(editable(cs::paused));
  EXPECT_FALSE(editable(cs::running));
  EXPECT_TRUE(dials(cs::running));
  EXPECT_FALSE(dials(cs::paused));
}

}  // namespace
}  // namespace dialer

namespace dialer {
namespace {

TEST(campaign_lifecycle, date_gate_opens_at_start_and_closes_at_end) {
  campaign_plan p;
  EXPECT_EQ(gate_at(p, 0), date_gate::open) << "no dates: always open";
  p.start_at = 1000;
  p.end_at = 5000;
  EXPECT_EQ(gate_at(p, 999), date_gate::wait_for_start);
  EXPECT_EQ(gate_at(p, 1000), date_gate::open);
  EXPECT_EQ(gate_at(p, 4999), date_gate::open);
  EXPECT_EQ(gate_at(p, 5000), date_gate::past_end);
}

}  // namespace
}  // namespace dialer

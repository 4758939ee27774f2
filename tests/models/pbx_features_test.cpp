// Park lots, forwarding decisions: the feature logic without a clock or a PBX.
#include <gtest/gtest.h>

#include "telsim/models/pbx_features.hpp"

namespace telsim {
namespace {

ParkLotConfig lot(std::vector<std::string> orbits, ParkLotConfig::Pick pick = ParkLotConfig::Pick::FirstFree) {
  ParkLotConfig c;
  c.orbits = std::move(orbits);
  c.pick = pick;
  return c;
}

ParkLots::Occupant occupant(std::uint32_t serial) { return {CallId{serial, serial}, 0, SimTime{0}, {}}; }

TEST(ParkLotsTest, FindsOrbitsAcrossLots) {
  ParkLots lots({lot({"701", "702"}), lot({"801"})});
  EXPECT_EQ(lots.find("702"), (ParkLots::Orbit{0, 1}));
  EXPECT_EQ(lots.find("801"), (ParkLots::Orbit{1, 0}));
  EXPECT_FALSE(lots.find("703").has_value());
}

TEST(ParkLotsTest, FirstFreeTakesTheLowestFreeOrbit) {
  ParkLots lots({lot({"701", "702", "703"})});
  lots.occupy(*lots.pick_free(), occupant(1));
  lots.occupy(*lots.pick_free(), occupant(2));
  EXPECT_EQ(lots.number(*lots.pick_free()), "703");
  lots.vacate(ParkLots::Orbit{0, 0});
  EXPECT_EQ(lots.number(*lots.pick_free()), "701");
}

TEST(ParkLotsTest, NextGoesRoundTheLot) {
  ParkLots lots({lot({"701", "702", "703"}, ParkLotConfig::Pick::Next)});
  auto a = *lots.pick_free();
  lots.occupy(a, occupant(1));
  lots.vacate(a);
  EXPECT_EQ(lots.number(*lots.pick_free()), "702");  // not 701 again
}

TEST(ParkLotsTest, AFullLotSpillsIntoTheNextAndThenNothing) {
  ParkLots lots({lot({"701"}), lot({"801"})});
  lots.occupy(*lots.pick_free(), occupant(1));
  EXPECT_EQ(lots.number(*lots.pick_free()), "801");
  lots.occupy(*lots.pick_free(), occupant(2));
  EXPECT_FALSE(lots.pick_free().has_value());
  EXPECT_EQ(lots.occupied(), 2u);
  EXPECT_EQ(lots.max_occupied(), 2u);
}

TEST(ParkLotsTest, VacateReturnsTheOccupantOnce) {
  ParkLots lots({lot({"701"})});
  lots.occupy(ParkLots::Orbit{0, 0}, occupant(5));
  EXPECT_EQ(lots.orbit_of(CallId{5, 5}), (ParkLots::Orbit{0, 0}));
  auto who = lots.vacate(ParkLots::Orbit{0, 0});
  ASSERT_TRUE(who.has_value());
  EXPECT_EQ(who->parkee.serial, 5u);
  EXPECT_FALSE(lots.vacate(ParkLots::Orbit{0, 0}).has_value());
  EXPECT_EQ(lots.occupied(), 0u);
}

using W = ForwardRule::When;

ForwardRule rule(W when, std::string to = "300") {
  ForwardRule r;
  r.when = when;
  r.to = std::move(to);
  return r;
}

TEST(ForwardingTest, NothingConfiguredMeansNoForwarding) {
  EXPECT_EQ(forward_on_offer({}, true, true).kind, ForwardDecision::Kind::None);
  EXPECT_EQ(forward_on_no_answer({}, true), nullptr);
}

TEST(ForwardingTest, UnconditionalWinsOverBusy) {
  const std::vector<ForwardRule> rules = {rule(W::Busy, "301"), rule(W::Unconditional, "302")};
  const auto d = forward_on_offer(rules, /*busy=*/true, true);
  ASSERT_EQ(d.kind, ForwardDecision::Kind::Forward);
  EXPECT_EQ(d.rule->to, "302");
  EXPECT_EQ(d.reason, CallReason::FwdUncond);
}

TEST(ForwardingTest, BusyForwardingOnlyWhenBusy) {
  const std::vector<ForwardRule> rules = {rule(W::Busy, "301"), rule(W::NoAnswer, "303")};
  EXPECT_EQ(forward_on_offer(rules, false, true).kind, ForwardDecision::Kind::None);
  const auto d = forward_on_offer(rules, true, true);
  EXPECT_EQ(d.rule->to, "301");
  EXPECT_EQ(d.reason, CallReason::FwdBusy);
  EXPECT_EQ(forward_on_no_answer(rules, true)->to, "303");
}

TEST(ForwardingTest, BusyNoAnswerCoversBoth) {
  const std::vector<ForwardRule> rules = {rule(W::BusyNoAnswer, "304")};
  EXPECT_EQ(forward_on_offer(rules, true, true).rule->to, "304");
  EXPECT_EQ(forward_on_no_answer(rules, true)->to, "304");
}

TEST(ForwardingTest, DoNotDisturbComesFirst) {
  const std::vector<ForwardRule> rules = {rule(W::Unconditional), rule(W::DoNotDisturb, "")};
  EXPECT_EQ(forward_on_offer(rules, false, true).kind, ForwardDecision::Kind::DoNotDisturb);
}

TEST(ForwardingTest, RulesForExternalCallersIgnoreInternalOnes) {
  ForwardRule r = rule(W::Unconditional);
  r.callers = ForwardRule::Callers::External;
  EXPECT_EQ(forward_on_offer({r}, false, /*internal=*/true).kind, ForwardDecision::Kind::None);
  EXPECT_EQ(forward_on_offer({r}, false, /*internal=*/false).kind, ForwardDecision::Kind::Forward);
}

TEST(ForwardingTest, NoAnswerDelayFromDurationOrRings) {
  ForwardRule r = rule(W::NoAnswer);
  EXPECT_EQ(no_answer_delay(r, 6s), Duration(18s));  // default: 3 rings
  r.rings = 2;
  EXPECT_EQ(no_answer_delay(r, 6s), Duration(12s));
  r.rings.reset();
  r.after = 15s;
  EXPECT_EQ(no_answer_delay(r, 6s), Duration(15s));
}

}  // namespace
}  // namespace telsim

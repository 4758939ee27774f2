// The TAPI call-state table: every listed row, every unlisted pair, and the features the
// table advertises per state (LINECALLSTATUS.dwCallFeatures).
#include "telsim/models/call_state_machine.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "models/printers.hpp"

namespace telsim {
namespace {

using S = CallState;
using I = CallInput;

std::vector<CallState> all_states() {
  std::vector<CallState> out;
  for (int i = 0; i < kCallStateCount; ++i) out.push_back(call_state_at(i));
  return out;
}

std::vector<CallInput> all_inputs() {
  std::vector<CallInput> out;
  for (int i = 0; i < kCallInputCount; ++i) out.push_back(static_cast<CallInput>(i));
  return out;
}

bool in_table(CallState from, CallInput input) {
  for (const Transition& t : transition_table()) {
    if (t.from == from && t.input == input) return true;
  }
  return false;
}

std::string pair_name(CallState from, CallInput input) {
  return std::string(to_string(from)) + "_" + std::string(to_string(input));
}

// --- every row of the table ----------------------------------------------------------------------

class CallStateMachineRowTest : public ::testing::TestWithParam<Transition> {};

TEST_P(CallStateMachineRowTest, NextStateFollowsTheRow) {
  const Transition& row = GetParam();
  const auto next = next_state(row.from, row.input);
  ASSERT_TRUE(next.has_value()) << pair_name(row.from, row.input);
  EXPECT_EQ(*next, row.to);
}

TEST_P(CallStateMachineRowTest, OperationRowIsAdvertisedAsAFeature) {
  const Transition& row = GetParam();
  const std::uint32_t bit = feature_of(row.input);
  if (bit == 0) return;  // a network event or Deallocate: no LINECALLFEATURE bit
  EXPECT_EQ(allowed_features(row.from) & bit, bit);
}

INSTANTIATE_TEST_SUITE_P(EveryRow, CallStateMachineRowTest,
                         ::testing::ValuesIn(transition_table().begin(), transition_table().end()),
                         [](const ::testing::TestParamInfo<Transition>& p) {
                           return pair_name(p.param.from, p.param.input);
                         });

// --- every pair that is not in the table ---------------------------------------------------------

std::vector<std::pair<CallState, CallInput>> illegal_pairs() {
  std::vector<std::pair<CallState, CallInput>> out;
  for (CallState s : all_states()) {
    for (CallInput in : all_inputs()) {
      if (!in_table(s, in)) out.emplace_back(s, in);
    }
  }
  return out;
}

class CallStateMachineIllegalPairTest
    : public ::testing::TestWithParam<std::pair<CallState, CallInput>> {};

TEST_P(CallStateMachineIllegalPairTest, IsRefusedWithInvalCallState) {
  const auto [state, input] = GetParam();
  EXPECT_FALSE(next_state(state, input).has_value());
  EXPECT_EQ(refusal_error(input), LineErr::InvalCallState);
  EXPECT_EQ(allowed_features(state) & feature_of(input), 0u)
      << "a refused operation must not be advertised";
}

INSTANTIATE_TEST_SUITE_P(EveryUnlistedPair, CallStateMachineIllegalPairTest,
                         ::testing::ValuesIn(illegal_pairs()),
                         [](const ::testing::TestParamInfo<std::pair<CallState, CallInput>>& p) {
                           return pair_name(p.param.first, p.param.second);
                         });

// --- the table as a whole ------------------------------------------------------------------------

TEST(CallStateMachineTest, TableCoversEveryPairExactlyOnceBetweenRowsAndRefusals) {
  EXPECT_EQ(transition_table().size() + illegal_pairs().size(),
            static_cast<std::size_t>(kCallStateCount * kCallInputCount));
}

TEST(CallStateMachineTest, TableHasNoDuplicateStateInputRows) {
  std::set<std::pair<std::uint32_t, int>> seen;
  for (const Transition& t : transition_table()) {
    const bool fresh =
        seen.emplace(static_cast<std::uint32_t>(t.from), static_cast<int>(t.input)).second;
    EXPECT_TRUE(fresh) << "duplicate row " << pair_name(t.from, t.input);
  }
}

TEST(CallStateMachineTest, EveryCallStateAppearsAsAFromState) {
  std::set<CallState> froms;
  for (const Transition& t : transition_table()) froms.insert(t.from);
  EXPECT_EQ(froms.size(), static_cast<std::size_t>(kCallStateCount));
  for (CallState s : all_states()) EXPECT_TRUE(froms.count(s)) << to_string(s);
}

TEST(CallStateMachineTest, EveryInputIsUsedByAtLeastOneRow) {
  for (CallInput in : all_inputs()) {
    bool used = false;
    for (CallState s : all_states()) used = used || next_state(s, in).has_value();
    EXPECT_TRUE(used) << to_string(in);
  }
}

TEST(CallStateMachineTest, RefusalErrorIsInvalCallStateForEveryInput) {
  for (CallInput in : all_inputs()) EXPECT_EQ(refusal_error(in), LineErr::InvalCallState);
}

// --- TAPI's "required state" column (docs/tapi-conformance.md, call state machine) ---------------

std::set<CallState> states_allowing(CallInput in) {
  std::set<CallState> out;
  for (CallState s : all_states()) {
    if (next_state(s, in)) out.insert(s);
  }
  return out;
}

TEST(CallStateMachineTest, DropIsAllowedInEveryStateButIdle) {
  for (CallState s : all_states()) {
    const auto next = next_state(s, I::Drop);
    if (s == S::Idle) {
      EXPECT_FALSE(next.has_value());
    } else {
      ASSERT_TRUE(next.has_value()) << to_string(s);
      EXPECT_EQ(*next, s == S::Disconnected ? S::Idle : S::Disconnected) << to_string(s);
    }
  }
}

// lineDial: any state but IDLE and DISCONNECTED in TAPI; this switch takes digits where they have
// somewhere to go (the number being dialled, or the far end of a call on its way or answered).
TEST(CallStateMachineTest, DialIsAllowedWhereDigitsReachSomebody) {
  EXPECT_EQ(states_allowing(I::Dial),
            (std::set<CallState>{S::DialTone, S::Dialing, S::Proceeding, S::RingBack, S::Connected}));
  EXPECT_EQ(next_state(S::DialTone, I::Dial), S::Dialing);
  EXPECT_EQ(next_state(S::Dialing, I::Dial), S::Dialing);
  for (CallState s : {S::Proceeding, S::RingBack, S::Connected}) EXPECT_EQ(next_state(s, I::Dial), s);
}

TEST(CallStateMachineTest, AcceptIsAllowedOnlyOnOfferingAndLeadsToAccepted) {
  EXPECT_EQ(states_allowing(I::Accept), (std::set<CallState>{S::Offering}));
  EXPECT_EQ(next_state(S::Offering, I::Accept), S::Accepted);
}

TEST(CallStateMachineTest, AnswerIsAllowedOnOfferingOrAcceptedAndConnects) {
  EXPECT_EQ(states_allowing(I::Answer), (std::set<CallState>{S::Offering, S::Accepted}));
  EXPECT_EQ(next_state(S::Offering, I::Answer), S::Connected);
  EXPECT_EQ(next_state(S::Accepted, I::Answer), S::Connected);
}

TEST(CallStateMachineTest, HoldFromConnectedGoesOnHold) {
  EXPECT_EQ(states_allowing(I::Hold), (std::set<CallState>{S::Connected}));
  EXPECT_EQ(next_state(S::Connected, I::Hold), S::OnHold);
}

TEST(CallStateMachineTest, UnholdFromEveryHeldStateReconnects) {
  EXPECT_EQ(states_allowing(I::Unhold),
            (std::set<CallState>{S::OnHold, S::OnHoldPendConf, S::OnHoldPendTransfer}));
  for (CallState s : states_allowing(I::Unhold)) EXPECT_EQ(next_state(s, I::Unhold), S::Connected);
}

TEST(CallStateMachineTest, DeallocateIsAllowedOnlyOnIdle) {
  EXPECT_EQ(states_allowing(I::Deallocate), (std::set<CallState>{S::Idle}));
}

TEST(CallStateMachineTest, OnlyIdleCallsCanBeSeizedOrOffered) {
  EXPECT_EQ(states_allowing(I::Seize), (std::set<CallState>{S::Idle}));
  EXPECT_EQ(states_allowing(I::Offer), (std::set<CallState>{S::Idle}));
  EXPECT_EQ(next_state(S::Idle, I::Seize), S::DialTone);
  EXPECT_EQ(next_state(S::Idle, I::Offer), S::Offering);
}

TEST(CallStateMachineTest, OnlyDisconnectedCallsClearToIdle) {
  EXPECT_EQ(states_allowing(I::Clear), (std::set<CallState>{S::Disconnected}));
  EXPECT_EQ(next_state(S::Disconnected, I::Clear), S::Idle);
}

TEST(CallStateMachineTest, OutgoingProgressFollowsTapiOrder) {
  EXPECT_EQ(next_state(S::Dialing, I::NumberComplete), S::Proceeding);
  EXPECT_EQ(next_state(S::Proceeding, I::Alerting), S::RingBack);
  EXPECT_EQ(next_state(S::Proceeding, I::FarBusy), S::Busy);
  EXPECT_EQ(next_state(S::RingBack, I::FarAnswer), S::Connected);
  EXPECT_EQ(next_state(S::Dialing, I::Intercept), S::SpecialInfo);
}

TEST(CallStateMachineTest, IdleAndDisconnectedCannotBeDisconnectedByTheFarEndAgain) {
  EXPECT_FALSE(next_state(S::Idle, I::FarDisconnect).has_value());
  EXPECT_FALSE(next_state(S::Disconnected, I::FarDisconnect).has_value());
}

// --- allowed_features ----------------------------------------------------------------------------

// Exact over the basic operations; features of later additions (PARK on CONNECTED, say) are
// covered by FeaturesAreExactlyTheOperationsTheTableAllows.
constexpr std::uint32_t kBasicFeatures = feature::kAccept | feature::kAnswer | feature::kDial |
                                         feature::kDrop | feature::kHold | feature::kUnhold;
std::uint32_t basic_features(CallState s) { return allowed_features(s) & kBasicFeatures; }

TEST(CallStateMachineTest, OfferingAllowsAcceptAnswerAndDrop) {
  EXPECT_EQ(basic_features(S::Offering), feature::kAccept | feature::kAnswer | feature::kDrop);
}

TEST(CallStateMachineTest, AcceptedAllowsAnswerAndDrop) {
  EXPECT_EQ(basic_features(S::Accepted), feature::kAnswer | feature::kDrop);
}

TEST(CallStateMachineTest, ConnectedAllowsHoldDialAndDrop) {
  EXPECT_EQ(basic_features(S::Connected), feature::kHold | feature::kDial | feature::kDrop);
}

TEST(CallStateMachineTest, IdleAllowsNoFeature) { EXPECT_EQ(allowed_features(S::Idle), 0u); }

TEST(CallStateMachineTest, DialToneAndDialingAllowDialAndDrop) {
  EXPECT_EQ(basic_features(S::DialTone), feature::kDial | feature::kDrop);
  EXPECT_EQ(basic_features(S::Dialing), feature::kDial | feature::kDrop);
}

TEST(CallStateMachineTest, HeldStatesAllowUnholdAndDrop) {
  for (CallState s : {S::OnHold, S::OnHoldPendConf, S::OnHoldPendTransfer})
    EXPECT_EQ(basic_features(s), feature::kUnhold | feature::kDrop) << to_string(s);
}

TEST(CallStateMachineTest, ProgressStatesAllowDialAndDrop) {
  for (CallState s : {S::Proceeding, S::RingBack})
    EXPECT_EQ(basic_features(s), feature::kDial | feature::kDrop) << to_string(s);
}

TEST(CallStateMachineTest, EndStatesAllowOnlyDropOfTheBasicOperations) {
  for (CallState s : {S::Busy, S::SpecialInfo, S::Conferenced, S::Disconnected, S::Unknown})
    EXPECT_EQ(basic_features(s), feature::kDrop) << to_string(s);
}

TEST(CallStateMachineTest, DisconnectedAllowsOnlyDropAndWhatACallCarries) {
  // A call the far end left can still be hung up, and what it carries read or set (call data,
  // treatment, monitoring): nothing that needs a far party.
  EXPECT_EQ(allowed_features(S::Disconnected),
            feature::kDrop | feature::kMonitorDigits | feature::kGatherDigits | feature::kMonitorTones |
                feature::kMonitorMedia | feature::kSetMediaControl | feature::kReleaseUserUserInfo |
                feature::kSetCallData | feature::kSetTreatment | feature::kSetQos | feature::kSetCallParams);
}

TEST(CallStateMachineTest, InBandOperationsNeedACompleteNumberAndUuiAConnectedCall) {
  for (int i = 0; i < kCallStateCount; ++i) {
    const CallState s = call_state_at(i);
    const bool in_band = s == S::Proceeding || s == S::RingBack || s == S::Connected;
    EXPECT_EQ((allowed_features(s) & feature::kGenerateDigits) != 0, in_band) << to_string(s);
    EXPECT_EQ((allowed_features(s) & feature::kGenerateTone) != 0, in_band) << to_string(s);
    EXPECT_EQ((allowed_features(s) & feature::kSendUserUser) != 0, s == S::Connected) << to_string(s);
    EXPECT_EQ((allowed_features(s) & feature::kSetCallData) != 0, s != S::Idle) << to_string(s);
    EXPECT_EQ(next_state(s, CallInput::GenerateDigits).value_or(S::Idle), in_band ? s : S::Idle)
        << "a media operation leaves the call in its state";
  }
}

TEST(CallStateMachineTest, FeaturesAreExactlyTheOperationsTheTableAllows) {
  for (CallState s : all_states()) {
    std::uint32_t expected = 0;
    for (CallInput in : all_inputs()) {
      if (next_state(s, in)) expected |= feature_of(in);
    }
    EXPECT_EQ(allowed_features(s), expected) << to_string(s);
  }
}

// --- inputs --------------------------------------------------------------------------------------

TEST(CallStateMachineTest, OperationsCarryTheirTapiFeatureBit) {
  EXPECT_EQ(feature_of(I::Dial), feature::kDial);
  EXPECT_EQ(feature_of(I::Accept), feature::kAccept);
  EXPECT_EQ(feature_of(I::Answer), feature::kAnswer);
  EXPECT_EQ(feature_of(I::Drop), feature::kDrop);
  EXPECT_EQ(feature_of(I::Hold), feature::kHold);
  EXPECT_EQ(feature_of(I::Unhold), feature::kUnhold);
  EXPECT_EQ(feature_of(I::Deallocate), 0u);  // handled by TAPI itself, no LINECALLFEATURE
}

TEST(CallStateMachineTest, NetworkEventsAreNotOperationsAndHaveNoFeatureBit) {
  for (CallInput in : {I::Seize, I::Offer, I::NumberComplete, I::Alerting, I::FarBusy, I::Intercept,
                       I::FarAnswer, I::FarDisconnect, I::Clear}) {
    EXPECT_FALSE(is_operation(in)) << to_string(in);
    EXPECT_EQ(feature_of(in), 0u) << to_string(in);
  }
  for (CallInput in : {I::Dial, I::Accept, I::Answer, I::Drop, I::Deallocate, I::Hold, I::Unhold})
    EXPECT_TRUE(is_operation(in)) << to_string(in);
}

TEST(CallStateMachineTest, InputNamesAreDistinct) {
  std::set<std::string> names;
  for (CallInput in : all_inputs()) {
    const std::string name(to_string(in));
    EXPECT_NE(name, "?");
    EXPECT_TRUE(names.insert(name).second) << name;
  }
}

}  // namespace
}  // namespace telsim

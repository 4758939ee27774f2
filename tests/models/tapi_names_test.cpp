// TAPI's names and values (models/tapi_names.hpp): every constant against the SDK header the TSP
// is built with (mingw-w64's tapi.h, read as text), tapi.hpp's enums as subsets of the same
// tables, and the lookups both ways.
#include "telsim/models/tapi_names.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "telsim/models/tapi.hpp"

namespace telsim {
namespace {

using tapi_names::Family;

/// Every `#define NAME 0x...` of mingw-w64's tapi.h; empty when it is not installed.
std::map<std::string, std::uint32_t> sdk_defines() {
  std::map<std::string, std::uint32_t> out;
  for (const char* path : {"/usr/share/mingw-w64/include/tapi.h", "/usr/x86_64-w64-mingw32/include/tapi.h"}) {
    std::ifstream in(path);
    if (!in) continue;
    const std::regex define(R"(^#define\s+([A-Z0-9_]+)\s+(0[xX][0-9A-Fa-f]+)\b)");
    std::string line;
    std::smatch m;
    while (std::getline(in, line))
      if (std::regex_search(line, m, define)) out[m[1]] = static_cast<std::uint32_t>(std::stoul(m[2], nullptr, 16));
    break;
  }
  return out;
}

TEST(TapiNames, EveryFamilyIsTheSdkHeadersFamilyValueForValue) {
  const auto sdk = sdk_defines();
  if (sdk.empty()) GTEST_SKIP() << "mingw-w64's tapi.h is not installed";
  for (const Family* f : tapi_names::kFamilies) {
    SCOPED_TRACE(std::string(f->prefix));
    std::set<std::string> listed;
    for (const auto& c : f->constants) {
      const std::string full = std::string(f->prefix) + std::string(c.name);
      listed.insert(full);
      const auto it = sdk.find(full);
      ASSERT_NE(it, sdk.end()) << full << " is not in tapi.h";
      EXPECT_EQ(c.value, it->second) << full;
    }
    // ... and nothing of the family is missing.
    for (const auto& [name, value] : sdk) {
      if (name.rfind(f->prefix, 0) != 0) continue;
      EXPECT_TRUE(listed.count(name)) << name << " (0x" << std::hex << value << ") is missing";
    }
  }
}

TEST(TapiNames, TheModelsEnumsAreSubsetsOfTheTables) {
  // Each enum member has the table's value and name; each name the enum lacks parses to nothing.
  std::size_t states = 0, modes = 0, reasons = 0, errors = 0, features = 0;
  for (const auto& c : tapi_names::kCallState.constants) {
    const auto s = parse_call_state(c.name);
    ASSERT_TRUE(s) << c.name << ": the model has every call state";
    EXPECT_EQ(static_cast<std::uint32_t>(*s), c.value);
    EXPECT_EQ(to_string(*s), c.name);
    ++states;
  }
  for (const auto& c : tapi_names::kDisconnectMode.constants) {
    if (const auto m = parse_disconnect_mode(c.name)) {
      EXPECT_EQ(static_cast<std::uint32_t>(*m), c.value) << c.name;
      EXPECT_EQ(to_string(*m), c.name);
      EXPECT_EQ(tapi_name(*m), tapi_names::kDisconnectMode.full_name(c.value));
      ++modes;
    }
  }
  for (const auto& c : tapi_names::kCallReason.constants) {
    if (const auto r = parse_call_reason(c.name)) {
      EXPECT_EQ(static_cast<std::uint32_t>(*r), c.value) << c.name;
      EXPECT_EQ(to_string(*r), c.name);
      ++reasons;
    }
  }
  for (const auto& c : tapi_names::kLineErr.constants) {
    if (const auto e = parse_line_err(c.name)) {
      EXPECT_EQ(static_cast<std::uint32_t>(*e), c.value) << c.name;
      EXPECT_EQ(tapi_name(*e), tapi_names::kLineErr.full_name(c.value));
      ++errors;
    }
  }
  for (const auto& c : tapi_names::kCallFeature.constants) {
    if (const std::uint32_t bit = parse_call_feature(c.name)) {
      EXPECT_EQ(bit, c.value) << c.name;
      EXPECT_EQ(features_to_string(bit), c.name);
      ++features;
    }
  }
  EXPECT_EQ(states, 16u);
  EXPECT_EQ(modes, 18u);
  EXPECT_EQ(reasons, 13u);
  EXPECT_EQ(errors, 49u);
  EXPECT_EQ(features, 31u);  // every LINECALLFEATURE but SETTERMINAL
  // The two names outside TAPI's families.
  EXPECT_EQ(parse_disconnect_mode("none"), DisconnectMode::None);
  EXPECT_EQ(parse_line_err("SUCCESS"), LineErr::Success);
  // TAPI constants the simulator never produces name nothing of the model's.
  EXPECT_FALSE(parse_disconnect_mode("QOSUNAVAIL"));
  EXPECT_FALSE(parse_call_reason("LINECALLREASON_ROUTEREQUEST"));
  EXPECT_FALSE(parse_line_err("LINEERR_NOMEM"));
  EXPECT_EQ(parse_call_feature("SETTERMINAL"), 0u) << "no lineSetTerminal";
  EXPECT_EQ(features_to_string(0x800000 | feature::kDial), "DIAL");
  EXPECT_EQ(to_string(static_cast<DisconnectMode>(0x10000)), "?") << "QOSUNAVAIL is no DisconnectMode";
}

TEST(TapiNames, LookupsBothWays) {
  using tapi_names::kCallState;
  using tapi_names::kLineErr;
  static_assert(kCallState.value_of("RINGBACK") == 0x20u);
  static_assert(kCallState.name_of(0x20) == "RINGBACK");
  static_assert(tapi_names::kCallComplMode.value_of("linecallcomplmode_Callback") == 0x2u);
  EXPECT_EQ(kCallState.value_of("LineCallState_OnHold"), 0x400u);
  EXPECT_EQ(kCallState.value_of("onhold"), 0x400u);
  EXPECT_FALSE(kCallState.value_of("LINECALLSTATE_"));
  EXPECT_FALSE(kCallState.value_of("LINEDISCONNECTMODE_BUSY"));
  EXPECT_FALSE(kCallState.value_of("LINECALLSTATE_LINECALLSTATE_IDLE"));
  EXPECT_EQ(kCallState.name_of(0x3), "") << "not one constant";
  EXPECT_EQ(kLineErr.full_name(0x80000035), "LINEERR_INVALPOINTER");
  EXPECT_EQ(kLineErr.full_name(0x12345678), "");
  EXPECT_EQ(kLineErr.value_of("service_not_running"), 0x80000061u);
  EXPECT_EQ(tapi_names::kCallFeature.flags(0x80000841), "ACCEPT|DIAL|HOLD|SETCALLDATA");
  EXPECT_EQ(tapi_names::kCallState.all_bits(), 0xFFFFu);
  EXPECT_EQ(tapi_names::family("LINEPARKMODE_"), &tapi_names::kParkMode);
  EXPECT_EQ(tapi_names::family("LINEPARKMODE"), nullptr);
}

TEST(TapiNamesTest, EveryFamilyNamesEachValueOnceAndEachNameOnce) {
  EXPECT_TRUE(tapi_names::detail::all_well_formed());
  EXPECT_EQ(tapi_names::kCallState.value_of("linecallstate_onholdpendtransfer"), 0x2000u);
  EXPECT_EQ(tapi_names::kLineErr.name_of(0x8000001Cu), "INVALCALLSTATE");
}

}  // namespace
}  // namespace telsim

// Bad scenario files through the real CLI: one test per kind of mistake. Each one must be
// refused with exit code 2 and one stderr line `FILE:LINE:COL: message` that points at the
// offending node and names the offending key or value; nothing may run (no output on stdout,
// no report folder), and `telsim check` must say exactly the same.
#include <gtest/gtest.h>

#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

#include "cli/cli_support.hpp"

namespace telsim::cli_test {
namespace {

struct BadCase {
  std::string name;   ///< test name
  std::string yaml;   ///< file content
  int line = 1;       ///< expected 1-based line
  std::string token;  ///< expected column: where this text first appears on `line` ...
  int column = 0;     ///< ... or this column when `token` is empty
  std::vector<std::string> mentions;  ///< the message must contain each of these
};

void PrintTo(const BadCase& c, std::ostream* os) { *os << c.name; }

// Four lines (name, pbx, extensions, steps): the first step is on line 5.
const std::string kHead = "name: bad\npbx:\n  extensions: [\"201-203\"]\nsteps:\n";

std::string nth_line(const std::string& text, int n) {
  std::size_t begin = 0;
  for (int i = 1; i < n; ++i) {
    begin = text.find('\n', begin);
    if (begin == std::string::npos) return {};
    ++begin;
  }
  const std::size_t end = text.find('\n', begin);
  return text.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

/// "LINE:COL" the case expects.
std::string expected_location(const BadCase& c) {
  int column = c.column;
  if (!c.token.empty()) {
    const std::string line = nth_line(c.yaml, c.line);
    const std::size_t at = line.find(c.token);
    if (at == std::string::npos) return "<token '" + c.token + "' is not on line " + std::to_string(c.line) + ">";
    column = static_cast<int>(at) + 1;
  }
  return std::to_string(c.line) + ":" + std::to_string(column);
}

std::vector<BadCase> cases() {
  return {
      // --- YAML itself ---------------------------------------------------------------------
      {"YamlSyntaxBadIndentation",
       "name: bad\npbx:\n  extensions: [\"201\"]\n   timing: {}\n", 4, "timing", 0, {}},
      {"YamlSyntaxSecondColon",
       kHead + "  - at: 0s\n    do: make_call: now\n", 6, ": now", 0, {}},
      {"YamlSyntaxUndefinedAnchor",
       "name: bad\npbx:\n  extensions: *nothing\n", 3, "*nothing", 0, {"anchor"}},
      // An unclosed flow is noticed by the parser only where the next block starts: the error
      // points where the flow opened.
      {"YamlUnclosedFlowMappingPointsWhereItOpened",
       kHead + "  - {at: 0s, do: make_call, line: \"201\", to: \"202\"\n  - {expect: {line: \"202\", state: OFFERING}}\n",
       5, "{at", 0, {"'{' is never closed", "line 6"}},
      {"YamlUnclosedFlowSequencePointsWhereItOpened",
       "name: bad\npbx:\n  extensions: [\"201-203\"\nsteps: []\n", 3, "[", 0, {"'[' is never closed"}},
      {"YamlTabInIndentationIsNamed", "name: bad\npbx:\n\textensions: [\"201\"]\n", 3, "", 1,
       {"TAB", "spaces"}},
      {"YamlTabIndentingAListItemIsNamed", "name: bad\npbx:\n  extensions:\n\t- \"201\"\n", 4, "", 1,
       {"TAB"}},
      {"EmptyFile", "", 1, "", 1, {"empty"}},
      {"CommentOnlyFile", "# nothing here yet\n", 1, "", 1, {"empty"}},

      // --- unknown keys --------------------------------------------------------------------
      {"UnknownTopLevelKey",
       "name: bad\npbx:\n  extensions: [\"201\"]\nstepz: []\n", 4, "stepz", 0, {"'stepz'"}},
      {"UnknownKeyInStep",
       kHead + "  - {at: 0s, do: make_call, line: \"201\", too: \"202\"}\n", 5, "too", 0,
       {"'too'", "step 1"}},
      {"UnknownKeyInPbx",
       "name: bad\npbx:\n  extentions: [\"201\"]\n", 3, "extentions", 0, {"'extentions'", "pbx"}},
      {"UnknownKeyInTiming",
       "name: bad\npbx:\n  extensions: [\"201\"]\n  timing: {ring_time: 5s}\n", 4, "ring_time", 0,
       {"'ring_time'", "timing"}},
      {"UnknownKeyInExtension",
       "name: bad\npbx:\n  extensions:\n    - {number: \"201\", nmae: Reception}\n", 4, "nmae", 0,
       {"'nmae'"}},
      {"UnknownKeyInExpect",
       kHead + "  - {at: 0s, do: make_call, line: \"201\", as: c1}\n  - {expect: {call: c1, sate: DIALTONE}}\n",
       6, "sate", 0, {"'sate'"}},
      {"UnknownOperationInUnsupported",
       "name: bad\npbx:\n  extensions: [\"201\"]\n  unsupported: [hold, hodl]\n", 4, "hodl", 0,
       {"'hodl' is not an operation"}},
      // --- LINECALLPARAMS (`params`) ----------------------------------------------------------
      {"ParamsUnknownFlag",
       kHead + "  - {at: 0s, do: make_call, line: \"201\", params: {flags: [SECURE, BLOKID]}}\n", 5, "[SECURE", 0,
       {"'BLOKID' is not a LINECALLPARAMFLAGS name", "BLOCKID"}},
      {"ParamsNegativeTimeout",
       kHead + "  - {at: 0s, do: make_call, line: \"201\", params: {no_answer_timeout: -5s}}\n", 5, "-5s", 0,
       {"no_answer_timeout", "'-5s'"}},
      {"ParamsUnknownField",
       kHead + "  - {at: 0s, do: make_call, line: \"201\", params: {no_anser_timeout: 5s}}\n", 5, "5s", 0,
       {"'no_anser_timeout' is not a field of params"}},
      {"ParamsNotAMapping",
       kHead + "  - {at: 0s, do: setup_transfer, line: \"201\", params: BLOCKID}\n", 5, "BLOCKID", 0,
       {"params must be a mapping"}},
      {"ParamsAddressIdNotANumber",
       kHead + "  - {at: 0s, do: make_call, line: \"201\", params: {address_id: one}}\n", 5, "one", 0,
       {"address_id must be a whole number"}},
      {"ParamsTargetWithoutStates",
       kHead + "  - {at: 0s, do: make_call, line: \"201\", params: {target_address: \"202\"}}\n", 5, "\"202\"", 0,
       {"target_address needs predictive_auto_transfer_states"}},
      {"ParamsBearerModeUnknown",
       kHead + "  - {at: 0s, do: make_call, line: \"201\", params: {bearer_mode: VOCIE}}\n", 5, "VOCIE", 0,
       {"'VOCIE' is not a LINEBEARERMODE name"}},
      {"DropCannotBeUnsupported",
       "name: bad\npbx:\n  extensions: [\"201\"]\n  unsupported: [drop]\n", 4, "drop", 0,
       {"every switch offers drop"}},
      {"BusyModeIsStationOrTrunk",
       kHead + "  - {at: 0s, do: make_call, line: \"201\", as: c1}\n  - {expect: {call: c1, busy_mode: LINE}}\n",
       6, "LINE", 0, {"busy_mode is STATION or TRUNK"}},
      {"DuplicateKey", "name: bad\nname: worse\npbx:\n  extensions: [\"201\"]\n", 2, "name", 0,
       {"'name'"}},

      // --- missing pieces ------------------------------------------------------------------
      {"MissingPbx", "name: bad\nseed: 3\nsteps: []\n", 1, "", 1, {"pbx"}},
      {"MissingName", "pbx:\n  extensions: [\"201\"]\n", 1, "", 1, {"name"}},
      {"MissingExtensions", "name: bad\npbx:\n  timing: {}\n", 3, "timing", 0, {"extensions"}},

      // --- durations -----------------------------------------------------------------------
      {"BadDurationInStep", kHead + "  - {at: 3 sec, do: make_call, line: \"201\"}\n", 5, "3 sec", 0,
       {"'3 sec'", "at"}},
      {"BadDurationInTiming",
       "name: bad\npbx:\n  extensions: [\"201\"]\n  timing:\n    no_answer_timeout: \"3 sec\"\n", 5,
       "\"3 sec\"", 0, {"'3 sec'", "no_answer_timeout"}},
      {"BareNumberDuration", kHead + "  - {after: 5, do: make_call, line: \"201\"}\n", 5, "5,", 0,
       {"'5'", "after"}},
      {"BadDistribution",
       "name: bad\npbx:\n  extensions:\n    - {number: \"201\", behavior: {answer_after: \"uniform(5s, 1s)\"}}\n",
       4, "\"uniform", 0, {"uniform(5s, 1s)"}},

      // --- extensions ----------------------------------------------------------------------
      {"RangeBackwards", "name: bad\npbx:\n  extensions: [\"209-201\"]\n", 3, "\"209-201\"", 0,
       {"'209-201'"}},
      {"RangeEndsOfDifferentLength", "name: bad\npbx:\n  extensions:\n    - \"20-300\"\n", 4,
       "\"20-300\"", 0, {"'20-300'"}},
      {"RangeTooLarge", "name: bad\npbx:\n  extensions: [\"0000000-9999999\"]\n", 3, "\"0000000", 0,
       {"'0000000-9999999'"}},
      {"ExtensionNotDigits", "name: bad\npbx:\n  extensions: [\"20A\"]\n", 3, "\"20A\"", 0, {"'20A'"}},
      {"DuplicateExtension",
       "name: bad\npbx:\n  extensions:\n    - \"201\"\n    - \"202\"\n    - \"201\"\n", 6, "\"201\"", 0,
       {"201", "line 4"}},
      {"DuplicateExtensionViaOverlappingRanges",
       "name: bad\npbx:\n  extensions:\n    - \"201-209\"\n    - {number: \"205-215\", behavior: busy}\n",
       5, "\"205-215\"", 0, {"205", "line 4"}},
      {"DuplicateExtensionInsideRange",
       "name: bad\npbx:\n  extensions:\n    - \"201-209\"\n    - {number: \"207\", name: Fax}\n", 5,
       "\"207\"", 0, {"207", "line 4"}},
      {"UnknownBehavior",
       "name: bad\npbx:\n  extensions:\n    - {number: \"201\", behavior: grumpy}\n", 4, "grumpy", 0,
       {"'grumpy'"}},
      {"BadVacantNumber", "name: bad\npbx:\n  extensions: [\"201\"]\n  vacant_number: beep\n", 4,
       "beep", 0, {"'beep'", "vacant_number"}},

      // --- operations ----------------------------------------------------------------------
      {"UnknownOperation", kHead + "  - {at: 0s, do: make_cal, line: \"201\"}\n", 5, "make_cal", 0,
       {"'make_cal'", "unknown operation"}},
      {"HandoffWithoutTarget",
       kHead + "  - {at: 0s, do: make_call, line: \"201\", to: \"202\", as: c1}\n  - do: handoff\n    call: c1\n",
       6, "do", 0, {"handoff", "'to'"}},
      {"LineIsNotAnExtension", kHead + "  - {at: 0s, do: make_call, line: \"299\", to: \"201\"}\n", 5,
       "\"299\"", 0, {"'299'", "not an extension"}},
      {"ExpectLineIsNotAnExtension", kHead + "  - {expect: {line: \"2010\", state: IDLE}}\n", 5,
       "\"2010\"", 0, {"'2010'", "not an extension"}},
      {"AsOnOperationThatCreatesNoCall",
       kHead + "  - {at: 0s, do: make_call, line: \"201\", as: c1}\n  - {do: drop, call: c1, as: c2}\n", 6,
       "as:", 0, {"'as'", "drop"}},
      {"WithinOnDoStep", kHead + "  - {at: 0s, do: make_call, line: \"201\", within: 2s}\n", 5,
       "within", 0, {"'within'"}},

      // --- call names ----------------------------------------------------------------------
      {"UnknownCallName",
       kHead + "  - {at: 0s, do: make_call, line: \"201\", to: \"202\", as: c1}\n"
               "  - {expect: {call: c2, state: RINGBACK}, within: 2s}\n",
       6, "c2", 0, {"'c2'"}},
      {"CallNameReused",
       kHead + "  - {at: 0s, do: make_call, line: \"201\", to: \"202\", as: c1}\n"
               "  - {expect: {line: \"202\", state: OFFERING}, within: 2s, as: c1}\n",
       6, "c1}", 0, {"'c1'", "line 5"}},
      {"CallNameUsedBeforeItIsGiven",
       kHead + "  - {at: 0s, do: drop, call: c1}\n  - {do: make_call, line: \"201\", as: c1}\n", 5, "c1",
       0, {"'c1'"}},
      {"InvalidCallName", kHead + "  - {at: 0s, do: make_call, line: \"201\", as: 1st}\n", 5, "1st", 0,
       {"'1st'"}},

      // --- TAPI names ----------------------------------------------------------------------
      {"UnknownStateName",
       kHead + "  - {at: 0s, do: make_call, line: \"201\", to: \"202\", as: c1}\n"
               "  - {expect: {call: c1, state: RINGING}, within: 2s}\n",
       6, "RINGING", 0, {"'RINGING'"}},
      {"UnknownStateNameInHistory",
       kHead + "  - {at: 0s, do: make_call, line: \"201\", to: \"202\", as: c1}\n"
               "  - expect:\n      call: c1\n      history: [DIALTONE, DIALLING]\n",
       8, "DIALLING", 0, {"'DIALLING'"}},
      {"UnknownDisconnectMode",
       kHead + "  - {at: 0s, do: make_call, line: \"201\", as: c1}\n  - {expect: {call: c1, mode: HUNGUP}}\n",
       6, "HUNGUP", 0, {"'HUNGUP'"}},
      {"UnknownLineErrInExpectError",
       kHead + "  - {at: 0s, do: drop, line: \"201\", expect_error: LINEERR_NOSUCHTHING}\n", 5,
       "LINEERR_NOSUCHTHING", 0, {"'LINEERR_NOSUCHTHING'"}},
      {"UnknownLineErrInExpect",
       kHead + "  - {at: 0s, do: drop, line: \"201\", expect_error: LINEERR_INVALCALLHANDLE}\n"
               "  - {expect: {error: LINEERR_BOGUS}}\n",
       6, "LINEERR_BOGUS", 0, {"'LINEERR_BOGUS'"}},

      // --- step shape and timing -----------------------------------------------------------
      {"StepWithAtAndAfter", kHead + "  - {at: 0s, after: 1s, do: make_call, line: \"201\"}\n", 5,
       "after", 0, {"'at'", "'after'"}},
      {"StepWithDoAndExpect",
       kHead + "  - {at: 0s, do: make_call, line: \"201\", as: c1}\n  - {do: drop, expect: {call: c1, state: IDLE}}\n",
       6, "{do", 0, {"'do'", "'expect'"}},
      {"StepWithNeitherDoNorExpect", kHead + "  - {at: 1s, line: \"201\"}\n", 5, "{at", 0,
       {"'do'", "'expect'"}},
      {"AtGoesBackwards",
       kHead + "  - {at: 10s, do: make_call, line: \"201\", as: c1}\n  - {at: 5s, do: drop, call: c1}\n", 6,
       "5s", 0, {"5s", "10s"}},
      {"StepsNotAList", "name: bad\npbx:\n  extensions: [\"201\"]\nsteps:\n  at: 0s\n", 5, "at", 0,
       {"steps"}},
      // --- modems ----------------------------------------------------------------------------
      {"ModemWithoutNumber", "name: bad\npbx:\n  extensions: [\"201\"]\nmodems:\n  - {name: m1}\n", 5, "{name", 0,
       {"'name'", "'number'"}},
      {"ModemNumberTakenByExtension", "name: bad\npbx:\n  extensions: [\"201\"]\nmodems:\n  - {name: m1, number: \"201\"}\n",
       5, "\"201\"", 0, {"201", "twice"}},
      {"ModemNamedTwice",
       "name: bad\npbx:\n  extensions: [\"201\"]\nmodems:\n  - {name: m1, number: \"400\"}\n  - {name: m1, number: \"401\"}\n",
       6, "m1", 0, {"m1", "twice"}},
      {"ModemSpeedNotALineRate",
       "name: bad\npbx:\n  extensions: [\"201\"]\nmodems:\n  - {name: m1, number: \"400\", speed: 56000}\n", 5, "56000",
       0, {"56000", "33600"}},
      // The same key reads the same whatever is wrong with it.
      {"ConferenceMaxTooSmallNamesTheRange",
       "name: bad\npbx:\n  extensions: [\"201\"]\n  conference_max: 1\n", 4, "1", 0,
       {"conference_max must be a whole number from 2 to 64, not '1'"}},
      {"ConferenceMaxNotANumberNamesTheRange",
       "name: bad\npbx:\n  extensions: [\"201\"]\n  conference_max: five\n", 4, "five", 0,
       {"conference_max must be a whole number from 2 to 64, not 'five'"}},
      {"ChannelsNegativeNamesTheRange",
       "name: bad\npbx:\n  extensions: [\"201\"]\ntrunks:\n  - {name: t, channels: -3, access_code: \"9\"}\n", 5, "-3", 0,
       {"channels must be a whole number from 1 to 100000, not '-3'"}},
      {"ModemRegisterOutOfRange",
       "name: bad\npbx:\n  extensions: [\"201\"]\nmodems:\n  - {name: m1, number: \"400\", registers: {S7: 300}}\n", 5,
       "300", 0, {"S7", "from 0 to 255", "'300'"}},
      {"ModemUnknownRegister",
       "name: bad\npbx:\n  extensions: [\"201\"]\nmodems:\n  - {name: m1, number: \"400\", registers: {X7: 3}}\n", 5,
       "X7", 0, {"X7"}},
      {"ModemTcpOffLoopback",
       "name: bad\npbx:\n  extensions: [\"201\"]\nmodems:\n  - {name: m1, number: \"400\", tcp: \"0.0.0.0:7001\"}\n", 5,
       "\"0.0.0.0", 0, {"0.0.0.0:7001", "loopback"}},
      {"ModemUnknownKey",
       "name: bad\npbx:\n  extensions: [\"201\"]\nmodems:\n  - {name: m1, number: \"400\", baud: 2400}\n", 5, "baud", 0,
       {"'baud'", "speed"}},
      {"ModemSendToUnknownModem",
       "name: bad\npbx:\n  extensions: [\"201\"]\nmodems:\n  - {name: m1, number: \"400\"}\nsteps:\n"
       "  - {do: modem_send, modem: m2, data: \"AT\\r\"}\n",
       7, "m2", 0, {"'m2'", "not a modem"}},
      {"ModemSendWithoutData",
       "name: bad\npbx:\n  extensions: [\"201\"]\nmodems:\n  - {name: m1, number: \"400\"}\nsteps:\n"
       "  - {do: modem_send, modem: m1}\n",
       7, "{do", 0, {"'data'"}},
      {"ModemDtrNotABoolean",
       "name: bad\npbx:\n  extensions: [\"201\"]\nmodems:\n  - {name: m1, number: \"400\"}\nsteps:\n"
       "  - {do: modem_dtr, modem: m1, dtr: low}\n",
       7, "low", 0, {"dtr", "true or false"}},
      {"ModemSendWithACallArgument",
       "name: bad\npbx:\n  extensions: [\"201\"]\nmodems:\n  - {name: m1, number: \"400\"}\nsteps:\n"
       "  - {do: modem_send, modem: m1, data: AT, line: \"201\"}\n",
       7, "line", 0, {"'line'", "modem_send"}},
      {"ModemExpectBadRegex",
       "name: bad\npbx:\n  extensions: [\"201\"]\nmodems:\n  - {name: m1, number: \"400\"}\nsteps:\n"
       "  - {expect: {modem: m1, output: \"CONNECT (\"}}\n",
       7, "\"CONNECT", 0, {"CONNECT (", "regular expression"}},
      {"ModemExpectUnknownState",
       "name: bad\npbx:\n  extensions: [\"201\"]\nmodems:\n  - {name: m1, number: \"400\"}\nsteps:\n"
       "  - {expect: {modem: m1, state: CONNECTED}}\n",
       7, "CONNECTED", 0, {"CONNECTED", "online"}},
      {"ModemExpectCallCondition",
       "name: bad\npbx:\n  extensions: [\"201\"]\nmodems:\n  - {name: m1, number: \"400\"}\nsteps:\n"
       "  - {expect: {modem: m1, mode: BUSY}}\n",
       7, "mode: BUSY", 0, {"'mode'", "modem"}},
      {"OutputOnALine", kHead + "  - {expect: {line: \"201\", output: OK}}\n", 5, "output", 0, {"'output'", "modem"}},
  };
}

class BadYaml : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadYaml, IsRefusedWithItsLocation) {
  const BadCase& c = GetParam();
  TempDir dir;
  const fs::path file = dir / (c.name + ".yaml");
  write_file(file, c.yaml);
  const fs::path report = dir / "report";
  const std::string where = file.string() + ":" + expected_location(c) + ": ";

  const Result run = run_telsim("run " + quote(file.string()) + " --report " + quote(report.string()));
  const std::string& err = run.err;
  EXPECT_EQ(run.status, 2) << describe(run);
  EXPECT_EQ(err.rfind(where, 0), 0u) << "expected stderr to start with '" << where << "'\n"
                                      << describe(run);
  for (const std::string& m : c.mentions)
    EXPECT_NE(err.find(m), std::string::npos) << "the message should mention " << m << "\n" << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << "one line of message expected:\n" << err;
  // Nothing ran.
  EXPECT_EQ(run.out, "") << describe(run);
  EXPECT_FALSE(fs::exists(report)) << "the report folder was created";

  const Result check = run_telsim("check " + quote(file.string()));
  EXPECT_EQ(check.status, 2) << describe(check);
  EXPECT_EQ(check.err, err);
  EXPECT_EQ(check.out, "") << describe(check);
}

std::string case_name(const ::testing::TestParamInfo<BadCase>& p) { return p.param.name; }

INSTANTIATE_TEST_SUITE_P(Kinds, BadYaml, ::testing::ValuesIn(cases()), case_name);

// Every TAPI operation of the scenario language (DESIGN.md) is known: a step naming one is
// never refused as an "unknown operation" (it may still lack arguments).
TEST(BadYamlOperations, TapiOperationsAreNeverUnknown) {
  const char* tapi_ops[] = {"swap_hold", "setup_transfer", "complete_transfer", "blind_transfer",
                            "setup_conference", "prepare_add_to_conference", "add_to_conference",
                            "remove_from_conference", "park", "unpark", "pickup", "redirect",
                            "forward", "complete_call", "uncomplete_call", "secure_call", "handoff",
                            "translate_address"};
  TempDir dir;
  for (const char* op : tapi_ops) {
    const fs::path file = dir / (std::string(op) + ".yaml");
    write_file(file, kHead + "  - {at: 0s, do: " + op + ", line: \"201\"}\n");
    const Result r = run_telsim("check " + quote(file.string()));
    const std::string& err = r.err;
    EXPECT_EQ(err.find("unknown operation"), std::string::npos) << op << "\n" << err;
    if (err.find("not supported yet") != std::string::npos) {
      EXPECT_EQ(r.status, 2) << op << "\n" << describe(r);
      EXPECT_EQ(err.rfind(file.string() + ":5:18: operation '" + op + "' is not supported yet", 0), 0u)
          << err;
    }
  }
}

// The contract is one stderr line and nothing else: no SystemC banner in front of it.
TEST(BadYamlStderr, IsExactlyTheLocatedMessage) {
  TempDir dir;
  const fs::path file = dir / "bad.yaml";
  write_file(file, "name: bad\npbx:\n  extensions: [\"201\"]\nstepz: []\n");
  const Result r = run_telsim("run " + quote(file.string()));
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            file.string() + ":4:1: unknown key 'stepz' in the scenario (known: name, description, "
                            "seed, pbx, defaults, steps, stop_at, location, controllers, trunks, traffic, modems, sweep, faults, acd)\n");
}

}  // namespace
}  // namespace telsim::cli_test

// The wire schema (sim/server/include/telsim/server/wire_schema.hpp) against what it describes:
// the catalogue's operations and parameters, docs/protocol.md's tables, the frames the server's
// EventEncoder makes (every event, every field), the server's sources (every event they send),
// the model's spellings of the values the wire carries, and the forwarding codec.
#include "telsim/server/wire_schema.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "../../sim/server/src/event_encoder.hpp"
#include "../../sim/server/src/forwarding_codec.hpp"
#include "telsim/server/protocol.hpp"
#include "telsim/sim/runner.hpp"
#include "telsim/sim/scenario.hpp"

namespace telsim::serve {
namespace {

namespace schema = wire::schema;
namespace field = schema::field;
using namespace std::chrono_literals;

template <typename List>
bool has(const List& list, std::string_view name) {
  return std::find(std::begin(list), std::end(list), name) != std::end(list);
}

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(WireSchema, ProtocolVersionIsTheServers) { EXPECT_EQ(schema::kProtocolVersion, wire::kProtocolVersion); }

TEST(WireSchema, EveryCatalogueOperationAndParameterIsNamed) {
  // The request fields a client may send: the catalogue's parameters must be among them.
  const std::set<std::string_view> request_fields = {
      field::kLine,  field::kCall,  field::kConsult,    field::kConference, field::kHeld,
      field::kTo,    field::kDigits, field::kMode,      field::kOrbit,      field::kGroup,
      field::kForwarding, field::kCompletion, field::kAddress, field::kParams,
      // the media operations'
      field::kModes, field::kDuration, field::kTone, field::kTones, field::kMax, field::kTerminators,
      field::kFirstTimeout, field::kInterTimeout, field::kMedia, field::kStates, field::kInfo, field::kData,
      field::kTreatment, field::kSending, field::kReceiving, field::kBearerMode, field::kMinRate,
      field::kMaxRate, field::kDialParams,
      // the agent operations'
      field::kState, field::kNextState, field::kActivity, field::kGroups};
  for (const OpInfo& o : operations()) {
    SCOPED_TRACE(std::string(o.name));
    EXPECT_TRUE(schema::is_op(o.name));
    EXPECT_FALSE(has(schema::kSessionOps, o.name)) << "a TAPI operation is no session op";
    for (const ParamInfo& p : o.params) EXPECT_TRUE(request_fields.count(p.name)) << p.name;
  }
  EXPECT_TRUE(schema::is_op(schema::op::kHello));
  EXPECT_FALSE(schema::is_op("make_calls"));
  EXPECT_EQ(std::set<std::string_view>(schema::kSessionOps.begin(), schema::kSessionOps.end()).size(),
            schema::kSessionOps.size());
}

TEST(WireSchema, ModeValuesAreTheCataloguesAndTapisNames) {
  int modes = 0;
  for (const OpInfo& o : operations()) {
    for (const ParamInfo& p : o.params) {
      if (p.kind != ParamKind::Mode) continue;
      ++modes;
      const tapi_names::Family* family = tapi_names::family(p.tapi_prefix);
      ASSERT_NE(family, nullptr) << p.tapi_prefix;
      for (std::string_view v : p.values) {
        const auto value = family->value_of(v);
        ASSERT_TRUE(value) << v << " is no " << family->prefix << " constant";
        EXPECT_EQ(schema::mode_value(o.op, p.name, *value), v);
      }
      EXPECT_EQ(schema::mode_value(o.op, p.name, 0x40000000), "") << "no such constant";
    }
  }
  EXPECT_EQ(modes, 9);  // park, complete_transfer, complete_call, generate_digits, generate_tone,
                       // set_call_treatment, set_call_params' bearer_mode, set_agent_state's two
  EXPECT_EQ(schema::mode_value(Op::Park, field::kMode, 0x2), "NONDIRECTED");
  EXPECT_EQ(schema::mode_value(Op::CompleteCall, field::kMode, 0x8), "MESSAGE");
  EXPECT_EQ(schema::mode_value(Op::Drop, field::kMode, 0x1), "") << "drop has no mode";
  EXPECT_EQ(schema::mode_value(Op::Park, field::kOrbit, 0x1), "") << "not a mode parameter";
  EXPECT_EQ(schema::mode_as_sent("NONDIRECTED"), "nondirected");
}

TEST(WireSchema, DocsListTheSchemasOpsAndEvents) {
  const std::string doc = read(std::filesystem::path(TELSIM_SOURCE_DIR) / "docs/protocol.md");
  auto table_after = [&](const std::string& heading) {
    std::set<std::string> names;
    const std::size_t at = doc.find(heading);
    EXPECT_NE(at, std::string::npos) << heading;
    std::istringstream in(doc.substr(at + heading.size()));
    std::string line;
    bool in_table = false;
    const std::regex row(R"(^\| `([a-z_]+)`(?: / `([a-z_]+)`|, `([a-z_]+)`)?)");
    while (std::getline(in, line)) {
      if (line.rfind('|', 0) != 0) {
        if (in_table) break;
        continue;
      }
      in_table = true;
      std::smatch m;
      if (!std::regex_search(line, m, row)) continue;
      for (std::size_t i = 1; i < m.size(); ++i)
        if (m[i].matched) names.insert(m[i]);
    }
    return names;
  };
  std::set<std::string> ops = table_after("**Session**");
  for (const std::string& q : table_after("**Queries**")) ops.insert(q);
  EXPECT_EQ(ops, std::set<std::string>(schema::kSessionOps.begin(), schema::kSessionOps.end()));
  std::set<std::string> catalogue;
  for (const OpInfo& o : operations()) catalogue.insert(std::string(o.name));
  EXPECT_EQ(table_after("**TAPI operations**"), catalogue);

  std::set<std::string> events = table_after("**Events** are pushed");
  std::set<std::string> schema_events;
  for (const auto& e : schema::kEvents) schema_events.insert(std::string(e.name));
  EXPECT_EQ(events, schema_events);
}

TEST(WireSchema, EveryEventTheServerSendsIsNamed) {
  // Every `{"event", "..."}` the server's sources make, and every state a line_state(...) call
  // there names (the upper-case literals of the statement).
  const std::regex event(R"re(\{"event",\s*"([a-z_]+)"\})re");
  const std::regex line_state(R"re(line_state\([^;]*;)re");
  const std::regex upper(R"re("([A-Z]+)")re");
  std::set<std::string> sent, states;
  for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(TELSIM_SOURCE_DIR) / "sim/server/src")) {
    const std::string text = read(entry.path());
    for (std::sregex_iterator it(text.begin(), text.end(), event), end; it != end; ++it) sent.insert((*it)[1]);
    for (std::sregex_iterator it(text.begin(), text.end(), line_state), end; it != end; ++it) {
      const std::string call = it->str();
      for (std::sregex_iterator s(call.begin(), call.end(), upper), e; s != e; ++s) states.insert((*s)[1]);
    }
  }
  std::set<std::string> named;
  for (const auto& e : schema::kEvents) named.insert(std::string(e.name));
  EXPECT_EQ(sent, named);
  for (const std::string& s : states) EXPECT_TRUE(has(schema::kLineStates, s)) << s;
  EXPECT_EQ(states.size(), schema::kLineStates.size());  // OPEN, CLOSE, MSGWAITON, MSGWAITOFF
}

constexpr const char* kOffice = R"(
name: office
pbx:
  extensions:
    - "201-203"
    - {number: "300", behavior: {answer_after: 1s}}
modems:
  - {name: m1, number: "400", speed: 33600}
acd:
  activities: [Lunch]
  queues:
    - {name: sales, number: "500", agents: "202"}
  agents:
    - {line: "202"}
)";

struct Model {
  Model() : scenario(parse_scenario(kOffice, "test.yaml")), session(scenario, kernel), pbx(session.pbx()),
            encoder(pbx, kernel) {
    session.start();
  }
  LineId line(const char* number) const { return *pbx.find_line(number); }
  const Call& call(CallId id) const { return *pbx.find_call(id); }
  Scenario scenario;
  ManualKernel kernel;
  ScenarioSession session;
  Pbx& pbx;
  EventEncoder encoder;
};

/// The frame's event is in the schema and every key it has is one of that event's fields.
void expect_described(const json& frame) {
  SCOPED_TRACE(frame.dump());
  ASSERT_TRUE(frame.contains(field::kEvent));
  const schema::EventSchema* e = schema::find_event(frame[field::kEvent].get<std::string>());
  ASSERT_NE(e, nullptr) << "unnamed event";
  for (const auto& [key, value] : frame.items()) EXPECT_TRUE(has(e->fields, key)) << key;
}

TEST(WireSchema, EveryEventFrameHasOnlyTheSchemasFields) {
  Model m;
  std::set<std::string> seen;
  auto check = [&](const json& frame) {
    expect_described(frame);
    seen.insert(frame.value(field::kEvent, ""));
  };

  // A call to 300, answered; then a conference set up from it (CONFERENCED names the conference).
  const OpResult made = m.pbx.make_call(m.line("201"), "300");
  ASSERT_TRUE(made.ok());
  m.kernel.advance_to(SimTime(10s));
  const Call& c = m.call(made.call);
  ASSERT_EQ(c.state, CallState::Connected);
  m.encoder.track(c);
  check(m.encoder.new_call(c));
  check(m.encoder.call_state(c));
  check(m.encoder.call_state(&c, c.id, c.line, CallState::Disconnected, DisconnectMode::Busy, c.reason));
  const OpResult conf = m.pbx.setup_conference(made.call, "202");
  ASSERT_TRUE(conf.ok());
  ASSERT_EQ(c.state, CallState::Conferenced);
  const json conferenced = m.encoder.call_state(c);
  EXPECT_TRUE(conferenced.contains(field::kConference));
  check(conferenced);
  const std::string info = m.encoder.call_info_update(c);
  ASSERT_FALSE(info.empty()) << "RELATEDCALLID changed";
  const json info_frame = json::parse(info);
  check(info_frame);
  for (const auto& changed : info_frame[field::kChanged]) EXPECT_TRUE(has(schema::kCallInfoChanges, changed.get<std::string>()));

  // Forwarding and message waiting on a watched line; a line opened; a modem; the end.
  const LineId l = m.line("203");
  m.encoder.watch_line(l);
  ForwardRule later;
  later.when = ForwardRule::When::NoAnswer;
  later.to = "300";
  later.rings = 3;
  later.callers = ForwardRule::Callers::Internal;
  const OpResult fwd = m.pbx.forward(l, {later});
  ASSERT_TRUE(fwd.ok());
  m.encoder.note(fwd);
  const auto changes = m.encoder.line_changes();
  ASSERT_EQ(changes.size(), 1u);
  check(json::parse(changes[0].frame));
  check(m.encoder.line_state(l, schema::value::kOpen, json{{field::kController, "desk"}}));
  check(m.encoder.line_state(l, schema::value::kOpen,
                             json{{field::kController, "logger"}, {field::kPrivilege, schema::value::kPrivilegeMonitor}}));
  // A client's privilege on a call: in new_call (Subscriptions adds it per client), and when
  // it changes.
  json with_privilege = m.encoder.new_call(c);
  with_privilege[field::kPrivilege] = schema::value::kPrivilegeOwner;
  check(with_privilege);
  check(m.encoder.call_privilege(c, schema::value::kPrivilegeOwner));
  check(m.encoder.line_state(l, schema::value::kMsgWaitOn, json{{field::kMessagesWaiting, 1}}));
  const auto modem = m.encoder.modem_state(m.session.modems()->modem(0), m.session.modems()->line_of(0));
  ASSERT_TRUE(modem);
  check(json::parse(*modem));
  EXPECT_TRUE(has(schema::kModemStates, json::parse(*modem)[field::kState].get<std::string>()));
  check(m.encoder.shutdown("SIGTERM"));
  // Digits, tones and media: each kind of MediaEvent the wire carries, and call_info's media values.
  for (const MediaEvent& e : {MediaEvent{SimTime(1s), c.id, c.line, MediaEvent::Kind::Generate, 0, 1, "digits"},
                              MediaEvent{SimTime(1s), c.id, c.line, MediaEvent::Kind::MonitorDigit, '5', 2, {}},
                              MediaEvent{SimTime(1s), c.id, c.line, MediaEvent::Kind::Gather, 0, 2, "12#"},
                              MediaEvent{SimTime(1s), c.id, c.line, MediaEvent::Kind::MonitorTone, 0, 7, {}},
                              MediaEvent{SimTime(1s), c.id, c.line, MediaEvent::Kind::MonitorMedia, 0, 0x20, {}},
                              MediaEvent{SimTime(1s), c.id, c.line, MediaEvent::Kind::MediaControl, 0, 8, "digit 5"}})
    check(m.encoder.media(e));
  EXPECT_TRUE(m.encoder.media(MediaEvent{SimTime(1s), c.id, c.line, MediaEvent::Kind::Heard, '5', 2, {}}).is_null())
      << "what a call heard is the traces', not the wire's";
  Command data;
  data.op = Op::SetCallData;
  data.call = c.id;
  data.media.text = "account=4711";
  ASSERT_TRUE(m.pbx.execute(data).ok());
  const json media_info = json::parse(m.encoder.call_info_update(c));
  check(media_info);
  EXPECT_EQ(media_info[field::kChanged], json::array({"CALLDATA"}));
  EXPECT_EQ(media_info[field::kCallData], "account=4711");

  // The ACD: an agent's status, with an activity set, and a queue's.
  const auto agent = m.pbx.agent_status("202");
  ASSERT_TRUE(agent);
  check(m.encoder.agent_status_event(*agent, agent_status::kState | agent_status::kActivity));
  ASSERT_EQ(m.pbx.queue_infos().size(), 1u);
  check(m.encoder.queue_status_event(m.pbx.queue_infos()[0]));

  std::set<std::string> all;
  for (const auto& e : schema::kEvents) all.insert(std::string(e.name));
  EXPECT_EQ(seen, all) << "every event made once";
}

TEST(WireSchema, ValuesAreSpelledAsTheModelSpellsThem) {
  using W = ForwardRule::When;
  using C = ForwardRule::Callers;
  for (W w : {W::Unconditional, W::Busy, W::NoAnswer, W::BusyNoAnswer, W::DoNotDisturb})
    EXPECT_TRUE(has(schema::kForwardingWhen, to_string(w))) << to_string(w);
  for (C c : {C::All, C::Internal, C::External}) EXPECT_TRUE(has(schema::kForwardingCallers, to_string(c)));
  EXPECT_EQ(to_string(Direction::Incoming), schema::value::kIn);
  EXPECT_EQ(to_string(Direction::Outgoing), schema::value::kOut);
  for (auto s : {Modem::State::Idle, Modem::State::OffHook, Modem::State::Dialing, Modem::State::Answering,
                 Modem::State::Online, Modem::State::OnlineCommand})
    EXPECT_TRUE(has(schema::kModemStates, to_string(s))) << to_string(s);
  for (const std::string mode : {"none", "drop", "hold"}) {  // hello's pbx.answer_mode, from a scenario's
    const Scenario s = parse_scenario("name: a\npbx:\n  extensions: [\"201\"]\n  answer_mode: " + mode + "\n", "a.yaml");
    EXPECT_TRUE(has(schema::kAnswerModes, EventEncoder::capabilities(s.pbx)[field::kAnswerMode].get<std::string>()));
  }

  // TAPI's: the wire's lists are the model's members of TAPI's families, exactly.
  for (const auto& c : tapi_names::kDisconnectMode.constants)
    EXPECT_EQ(parse_disconnect_mode(c.name).has_value(), has(schema::kDisconnectModes, c.name)) << c.name;
  for (const auto& c : tapi_names::kCallReason.constants)
    EXPECT_EQ(parse_call_reason(c.name).has_value(), has(schema::kCallReasons, c.name)) << c.name;
  for (std::string_view n : schema::kCallInfoChanges) EXPECT_TRUE(tapi_names::kCallInfoState.value_of(n)) << n;
  for (const auto& c : tapi_names::kCallState.constants) EXPECT_TRUE(parse_call_state(c.name)) << c.name;
  EXPECT_EQ(tapi_name(LineErr::NotOwner).rfind(schema::kErrorPrefix, 0), 0u);
  EXPECT_EQ(features_to_string(schema::call_features()), features_to_string(0xFFFFFFFFu))
      << "the catalogue's features are the model's";
  EXPECT_EQ(schema::call_features() & ~static_cast<std::uint32_t>(tapi_names::kCallFeature.all_bits()), 0u);
}

TEST(WireSchema, ForwardingRulesEncodeAsTheServerSendsThem) {
  ForwardRule dnd;
  dnd.when = ForwardRule::When::DoNotDisturb;
  ForwardRule rings;
  rings.when = ForwardRule::When::BusyNoAnswer;
  rings.to = "204";
  rings.rings = 4;
  rings.callers = ForwardRule::Callers::External;
  ForwardRule after;
  after.when = ForwardRule::When::NoAnswer;
  after.to = "300";
  after.after = 12s;
  const json server = forwarding_json({dnd, rings, after});

  schema::ForwardingRule a;
  a.when = schema::value::kDoNotDisturb;
  schema::ForwardingRule b;
  b.when = schema::value::kBusyNoAnswer;
  b.to = "204";
  b.rings = 4;
  b.callers = schema::value::kExternal;
  schema::ForwardingRule c;
  c.when = schema::value::kNoAnswer;
  c.to = "300";
  c.after = "12s";
  c.callers = schema::value::kAll;
  const json sent = json::array({forwarding_rule_json(a), forwarding_rule_json(b), forwarding_rule_json(c)});
  EXPECT_EQ(sent, server);
  EXPECT_EQ(sent.dump(), server.dump()) << "the same bytes";
  EXPECT_EQ(sent.dump(),
            R"([{"when":"dnd"},{"callers":"external","rings":4,"to":"204","when":"busy_no_answer"},)"
            R"({"after":"12s","to":"300","when":"no_answer"}])");
  // And the server reads back what the schema encodes.
  EXPECT_EQ(forward_rule(forwarding_rule_json(b)), rings);
}

// The media modes the wire names (open's media_modes, handoff's media_mode) are LINEMEDIAMODE's,
// held against mingw-w64's tapi.h read as text; names are read in any case, prefix optional.
TEST(WireSchema, MediaModesAreTapisConstants) {
  std::map<std::string, std::uint32_t> sdk;
  for (const char* path : {"/usr/share/mingw-w64/include/tapi.h", "/usr/x86_64-w64-mingw32/include/tapi.h"}) {
    std::ifstream in(path);
    const std::regex define(R"(^#define\s+LINEMEDIAMODE_([A-Z0-9_]+)\s+(0[xX][0-9A-Fa-f]+)\b)");
    for (std::string line; std::getline(in, line);) {
      std::smatch m;
      if (std::regex_search(line, m, define)) sdk[m[1]] = static_cast<std::uint32_t>(std::stoul(m[2], nullptr, 16));
    }
    if (!sdk.empty()) break;
  }
  for (const auto& m : schema::kMediaModes) {
    EXPECT_EQ(schema::media_mode_value(m.name), m.value) << m.name;
    EXPECT_EQ(schema::media_mode_name(m.value), m.name);
    if (!sdk.empty()) {
      EXPECT_EQ(sdk.at(std::string(m.name)), m.value) << m.name;
    }
  }
  EXPECT_EQ(schema::media_mode_value("lineMediaMode_dataModem"), 0x10u);
  EXPECT_EQ(schema::media_mode_value("VOICE"), 0u);
  EXPECT_EQ(schema::media_mode_name(0x14), "");
}

}  // namespace
}  // namespace telsim::serve

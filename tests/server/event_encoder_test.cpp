// The server's frames without sockets (sim/server/src/event_encoder.hpp): a real Pbx on a
// ManualKernel, and the JSON the encoder makes of its calls, lines, replies and changes.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "../../sim/server/src/event_encoder.hpp"
#include "../../sim/server/src/forwarding_codec.hpp"
#include "telsim/server/protocol.hpp"
#include "telsim/sim/runner.hpp"
#include "telsim/sim/scenario.hpp"

namespace telsim::serve {
namespace {

using namespace std::chrono_literals;

constexpr const char* kOffice = R"(
name: office
pbx:
  extensions:
    - "201-203"
    - {number: "300", behavior: {answer_after: 1s}}
)";

struct Model {
  explicit Model(const char* yaml = kOffice)
      : scenario(parse_scenario(yaml, "test.yaml")), session(scenario, kernel), pbx(session.pbx()), encoder(pbx, kernel) {
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

json parse_frame(const std::string& frame) {
  EXPECT_FALSE(frame.empty());
  EXPECT_EQ(frame.back(), '\n');
  EXPECT_EQ(frame.find('\n'), frame.size() - 1) << "one line";
  return json::parse(frame);
}

TEST(EventEncoder, NewCallAndCallStateDescribeTheCall) {
  Model m;
  const OpResult made = m.pbx.make_call(m.line("201"), "300");
  ASSERT_TRUE(made.ok());
  m.kernel.advance_to(SimTime(12500ms));
  const Call& c = m.call(made.call);
  ASSERT_EQ(c.state, CallState::Connected);

  const json announced = m.encoder.new_call(c);
  EXPECT_EQ(announced, (json{{"event", "new_call"}, {"line", "201"}, {"call", to_string(made.call)},
                             {"direction", "out"}, {"from", "201"}, {"to", "300"}, {"reason", "DIRECT"},
                             {"state", "CONNECTED"}, {"connected", "300"}, {"t", 12.5}}));

  const json state = m.encoder.call_state(c);
  EXPECT_EQ(state["event"], "call_state");
  EXPECT_EQ(state["state"], "CONNECTED");
  EXPECT_EQ(state["mode"], 0);
  EXPECT_FALSE(state.contains("mode_name"));
  EXPECT_EQ(state["features"], m.pbx.call_features(made.call));
  EXPECT_EQ(state["t"], 12.5);

  // The far leg: incoming, from 201, linked to 201.
  const Call& far = m.call(c.peer);
  const json in = m.encoder.new_call(far);
  EXPECT_EQ(in["line"], "300");
  EXPECT_EQ(in["direction"], "in");
  EXPECT_EQ(in["from"], "201");
  EXPECT_EQ(in["connected"], "201");

  // A state as the event reports it (the call itself may have moved on): a disconnect names
  // its mode.
  const json gone = m.encoder.call_state(&c, c.id, c.line, CallState::Disconnected, DisconnectMode::Normal, c.reason);
  EXPECT_EQ(gone["state"], "DISCONNECTED");
  EXPECT_EQ(gone["mode"], static_cast<std::uint32_t>(DisconnectMode::Normal));
  EXPECT_EQ(gone["mode_name"], "NORMAL");
}

TEST(EventEncoder, CallInfoReportsOnlyWhatChangedSinceTheLastReport) {
  Model m;
  const OpResult made = m.pbx.make_call(m.line("201"), "");  // DIALTONE: no number, no party
  const Call& c = m.call(made.call);
  EXPECT_FALSE(m.encoder.tracks(made.call.serial));
  EXPECT_EQ(m.encoder.call_info_update(c), "") << "the first report takes the snapshot";
  EXPECT_TRUE(m.encoder.tracks(made.call.serial));

  ASSERT_TRUE(m.pbx.dial(made.call, "300").ok());
  m.kernel.advance_to(SimTime(10s));
  ASSERT_EQ(c.state, CallState::Connected);
  const json info = parse_frame(m.encoder.call_info_update(c));
  EXPECT_EQ(info["event"], "call_info");
  EXPECT_EQ(info["changed"], (json{"CALLEDID", "CONNECTEDID"}));
  EXPECT_EQ(info["to"], "300");
  EXPECT_EQ(info["connected"], "300");
  EXPECT_EQ(m.encoder.call_info_update(c), "") << "nothing new";
  EXPECT_EQ(m.encoder.call_info_change(c), "");

  m.encoder.forget(made.call.serial);
  EXPECT_FALSE(m.encoder.tracks(made.call.serial));
  EXPECT_EQ(m.encoder.call_info_change(c), "") << "an untracked call has no changes to report";
}

// D4: a redirected call's identities reach the wire on both sides: the caller's own call learns
// where it went (REDIRECTIONID) and who moved it (REDIRECTINGID); the call offered carries both.
TEST(EventEncoder, RedirectionAndRedirectingReachTheWireOnBothSides) {
  Model m;
  const OpResult made = m.pbx.make_call(m.line("201"), "202");
  m.kernel.advance_to(SimTime(3s));
  const Call& caller = m.call(made.call);
  ASSERT_EQ(caller.state, CallState::RingBack);
  EXPECT_EQ(m.encoder.call_info_update(caller), "");
  const CallId offered = caller.peer;
  ASSERT_TRUE(m.pbx.redirect(offered, "203").ok());
  const json info = parse_frame(m.encoder.call_info_update(caller));
  EXPECT_EQ(info["changed"], (json{"REDIRECTIONID", "REDIRECTINGID", "CONNECTEDID"}));
  EXPECT_EQ(info["redirection"], "203");
  EXPECT_EQ(info["redirecting"], "202");
  EXPECT_EQ(info["to"], "202") << "the number dialled stays CalledID";
  const json in = m.encoder.new_call(m.call(caller.peer));
  EXPECT_EQ(in["line"], "203");
  EXPECT_EQ(in["reason"], "REDIRECT");
  EXPECT_EQ(in["redirection"], "203");
  EXPECT_EQ(in["redirecting"], "202");
  const json status = m.encoder.call_status(made.call);
  EXPECT_EQ(status["redirection"], "203");
  EXPECT_EQ(status["redirecting"], "202");
}

// D3: a camped-on call that goes on changes its reason and names its completion (LINE_CALLINFO
// REASON and COMPLETIONID), without a new call.
TEST(EventEncoder, ACampedCallReportsItsCompletionAndReason) {
  Model m;
  const OpResult talk = m.pbx.make_call(m.line("202"), "203");
  m.kernel.advance_to(SimTime(3s));
  ASSERT_TRUE(m.pbx.answer(m.call(talk.call).peer).ok());
  const OpResult made = m.pbx.make_call(m.line("201"), "202");
  m.kernel.advance_to(SimTime(6s));
  const Call& c = m.call(made.call);
  ASSERT_EQ(c.state, CallState::Busy);
  EXPECT_EQ(m.encoder.call_info_update(c), "");
  const OpResult camp = m.pbx.complete_call(made.call, CompletionMode::CampOn);
  ASSERT_TRUE(camp.ok());
  const json camped = parse_frame(m.encoder.call_info_update(c));
  EXPECT_EQ(camped["changed"], (json{"COMPLETIONID"}));
  EXPECT_EQ(camped["completion"], camp.completion);
  ASSERT_TRUE(m.pbx.drop(talk.call).ok());
  m.kernel.advance_to(SimTime(7s));
  ASSERT_EQ(c.state, CallState::RingBack);
  const json on = parse_frame(m.encoder.call_info_update(c));
  EXPECT_EQ(on["changed"], (json{"REASON", "CONNECTEDID"}));
  EXPECT_EQ(on["reason"], "CALLCOMPLETION");
  EXPECT_EQ(on["connected"], "202");
}

TEST(EventEncoder, WatchedLinesReportForwardingAndMessageWaitingChanges) {
  Model m;
  const LineId l = m.line("202");
  m.encoder.watch_line(l);
  EXPECT_TRUE(m.encoder.line_changes().empty());
  ForwardRule busy;
  busy.when = ForwardRule::When::Busy;
  busy.to = "203";
  const OpResult fwd = m.pbx.forward(l, {busy});
  ASSERT_TRUE(fwd.ok());
  EXPECT_TRUE(m.encoder.line_changes().empty()) << "looked at only after a reply that may change lines";
  m.encoder.note(fwd);
  const auto changes = m.encoder.line_changes();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].line, l);
  const json frame = parse_frame(changes[0].frame);
  EXPECT_EQ(frame["event"], "address_state");
  EXPECT_EQ(frame["state"], "FORWARD");
  EXPECT_EQ(frame["forwarding"], (json::array({{{"when", "busy"}, {"to", "203"}}})));
  m.encoder.note(fwd);
  EXPECT_TRUE(m.encoder.line_changes().empty()) << "reported once";

  const json msg = m.encoder.line_state(l, "MSGWAITON", json{{"messages_waiting", 2}});
  EXPECT_EQ(msg, (json{{"event", "line_state"}, {"line", "202"}, {"state", "MSGWAITON"}, {"messages_waiting", 2},
                       {"t", 0.0}}));
}

TEST(EventEncoder, RepliesAndQueries) {
  Model m;
  OpResult refused;
  refused.op = Op::Answer;
  refused.error = LineErr::InvalCallState;
  refused.detail = "c1 is CONNECTED; answer needs OFFERING or ACCEPTED";
  EXPECT_EQ(m.encoder.reply(7, refused),
            (json{{"id", 7}, {"ok", false}, {"error", "LINEERR_INVALCALLSTATE"},
                  {"message", "LINEERR_INVALCALLSTATE: c1 is CONNECTED; answer needs OFFERING or ACCEPTED"}}));
  refused.detail.clear();
  EXPECT_EQ(m.encoder.reply("x", refused)["message"], "LINEERR_INVALCALLSTATE");

  const OpResult made = m.pbx.make_call(m.line("201"), "300");
  EXPECT_EQ(m.encoder.reply(8, made), (json{{"id", 8}, {"ok", true}, {"call", to_string(made.call)}, {"t", 0.0}}));
  OpResult handed;
  handed.op = Op::Handoff;
  handed.address = "desk";
  EXPECT_EQ(m.encoder.reply(9, handed)["to"], "desk");

  m.kernel.advance_to(SimTime(10s));
  const json status = m.encoder.call_status(made.call);
  EXPECT_EQ(status["state"], "CONNECTED");
  EXPECT_EQ(status["connected"], "300");
  EXPECT_EQ(status["owner"], nullptr);
  EXPECT_EQ(status["related"], json::array());
  EXPECT_NE(status["feature_names"].get<std::string>().find("DROP"), std::string::npos);

  const json line = m.encoder.line_status(m.line("201"), "desk", 2);
  EXPECT_EQ(line["controller"], "desk");
  EXPECT_EQ(line["monitors"], 2);
  EXPECT_EQ(line["num_active_calls"], 1);
  EXPECT_EQ(line["calls"], (json::array({{{"call", to_string(made.call)}, {"state", "CONNECTED"}}})));

  EXPECT_EQ(m.encoder.shutdown("SIGTERM"), (json{{"event", "shutdown"}, {"reason", "SIGTERM"}, {"t", 10.0}}));
  json all_ops = json::array();
  for (const OpInfo& op : operations()) all_ops.push_back(op.name);
  EXPECT_EQ(EventEncoder::capabilities(PbxConfig{}),
            (json{{"autoreconnect", true}, {"confdrop", true}, {"conference_max", 5}, {"max_calls_per_line", 8},
                  {"answer_mode", "hold"}, {"park", false}, {"pickup", false}, {"acd", nullptr}, {"hold_recall", nullptr},
                  {"consult_timeout", nullptr}, {"transfer_recall", false}, {"forward_hop_limit", 10},
                  {"vacant_number", "disconnect"}, {"dial_pause", "2s"}, {"dial_dialtone", true},
                  {"dial_quiet", true}, {"dial_billing", true}, {"partial_dial", true}, {"redirect_from_accepted", false},
                  {"transfer_held", true}, {"transfer_make", true}, {"conference_held", true},
                  {"conference_make", true}, {"local_drop", "idle"}, {"all_trunks_busy", "busy"},
                  {"skip_states", json::array()}, {"ringback", "after_proceeding"}, {"connected_delay", "0s"},
                  {"conference_collapse", true}, {"remove_from_conference", "any"}, {"reply_delay", "0s"},
                  {"reply_order", "before_events"}, {"answering_machine_media", "AUTOMATEDVOICE"},
                  {"personality", ""},
                  {"media",
                   {{"monitor_digit_modes", {"PULSE", "DTMF", "DTMFEND"}},
                    {"generate_digit_modes", {"PULSE", "DTMF"}},
                    {"generate_tone_modes", {"CUSTOM", "RINGBACK", "BUSY", "BEEP", "BILLING"}},
                    {"max_tone_frequencies", 3},
                    {"max_monitored_tones", 8},
                    {"gather_min_timeout", 100},
                    {"gather_max_timeout", 600000},
                    {"media_modes", {"UNKNOWN", "INTERACTIVEVOICE", "AUTOMATEDVOICE", "DATAMODEM", "G3FAX"}},
                    {"max_call_data", 4096},
                    {"max_uui", 128},
                    {"treatments", {"SILENCE", "RINGBACK", "BUSY", "MUSIC"}}}},
                  {"errors",
                   {{"unsupported", "LINEERR_OPERATIONUNAVAIL"}, {"line_in_use", "LINEERR_INUSE"},
                    {"no_call_appearance", "LINEERR_CALLUNAVAIL"}, {"conference_full", "LINEERR_CONFERENCEFULL"},
                    {"park_orbit_occupied", "LINEERR_OPERATIONFAILED"}, {"park_no_free_orbit", "LINEERR_RESOURCEUNAVAIL"},
                    {"pickup_nothing_ringing", "LINEERR_OPERATIONFAILED"}}},
                  {"operations", all_ops}}));
  // An operation the switch does not offer is not listed.
  PbxConfig no_park;
  no_park.profile.supported[static_cast<std::size_t>(Op::Park)] = false;
  const json ops = EventEncoder::capabilities(no_park)["operations"];
  EXPECT_EQ(std::find(ops.begin(), ops.end(), "park"), ops.end());
  EXPECT_EQ(ops.size(), kOpCount - 1);
}

TEST(EventEncoder, ModemStateIsReportedOnlyWhenItChanges) {
  Model m(R"(
name: modems
pbx:
  extensions: ["201"]
modems:
  - {name: m1, number: "400", speed: 33600}
)");
  const Modem& modem = m.session.modems()->modem(0);
  const LineId l = m.session.modems()->line_of(0);
  const auto first = m.encoder.modem_state(modem, l);
  ASSERT_TRUE(first);
  EXPECT_EQ(parse_frame(*first), (json{{"event", "modem_state"}, {"line", "400"}, {"modem", "m1"}, {"state", "idle"},
                                       {"dcd", modem.dcd()}, {"dtr", modem.dtr()}, {"speed", 0}, {"t", 0.0}}));
  EXPECT_FALSE(m.encoder.modem_state(modem, l)) << "unchanged";
}

TEST(ForwardingCodec, RulesFromTheWireAndBack) {
  const ForwardRule dnd = forward_rule(json{{"when", "unconditional"}});
  EXPECT_EQ(dnd.when, ForwardRule::When::DoNotDisturb) << "unconditional without a destination";
  const ForwardRule later = forward_rule(json{{"when", "no_answer"}, {"to", "300"}, {"after", "12s"},
                                              {"callers", "external"}});
  EXPECT_EQ(forwarding_json({dnd, later}),
            (json::array({{{"when", "dnd"}},
                          {{"when", "no_answer"}, {"to", "300"}, {"after", "12s"}, {"callers", "external"}}})));
  auto refusal = [](const json& rule) {
    try {
      forward_rule(rule);
    } catch (const wire::ParamError& e) {
      EXPECT_EQ(e.error, LineErr::InvalParam);
      return e.message;
    }
    return std::string("accepted");
  };
  EXPECT_EQ(refusal(json{{"when", "sometimes"}}), "unknown forwarding condition 'sometimes'");
  EXPECT_EQ(refusal(json{{"when", "busy"}, {"to", "204"}, {"rings", 3}}),
            "'rings' is for no_answer and busy_no_answer forwarding");
  EXPECT_EQ(refusal(json{{"when", "busy"}, {"to", 204}}), "forwarding 'to' must be a string");
  EXPECT_EQ(refusal(json{{"when", "busy"}, {"colour", "red"}}),
            "unknown key 'colour' in a forwarding rule (when, to, rings, after, callers)");
  EXPECT_EQ(refusal(json::array()), "each forwarding rule is an object: {\"when\":\"busy\",\"to\":\"204\"}");
}

}  // namespace
}  // namespace telsim::serve

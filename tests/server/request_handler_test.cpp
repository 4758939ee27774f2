// Requests without sockets (sim/server/src/request_handler.hpp, subscriptions.hpp): clients
// that collect their frames in a list, the handler and the subscriptions over a real Pbx on a
// ManualKernel, wired to the model as the server wires them. The order of frames a client
// gets is the protocol's promise, checked here without a network.
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "../../sim/server/src/request_handler.hpp"
#include "telsim/sim/runner.hpp"
#include "telsim/sim/scenario.hpp"

namespace telsim::serve {
namespace {

using namespace std::chrono_literals;

class ListClient final : public Client {
 public:
  ListClient(std::uint64_t n, std::string client_name) {
    number = n;
    name = std::move(client_name);
    authed = true;
  }
  void send(std::string frame) override {
    if (!gone_) frames.push_back(json::parse(frame));
  }
  void close_after_flush() override { closing_ = true; }
  bool gone() const override { return gone_; }
  bool closing() const override { return closing_; }
  void leave() { gone_ = true; }
  /// The frames received since the last call.
  std::vector<json> take() { return std::exchange(frames, {}); }
  std::vector<json> frames;

 private:
  bool gone_ = false;
  bool closing_ = false;
};

class ListDirectory final : public ClientDirectory {
 public:
  Client* find(std::string_view name) const override {
    for (Client* c : clients)
      if (c->name == name) return c;
    return nullptr;
  }
  void rename(Client& c, std::string name) override { c.name = std::move(name); }
  bool empty() const override { return clients.empty(); }
  void for_each(const std::function<void(Client&)>& fn) const override {
    for (Client* c : clients) fn(*c);
  }
  std::vector<Client*> clients;
};

/// The server's pieces without its sockets, observing the model as Server::Impl does.
constexpr const char* kOffice = R"(
name: office
pbx:
  extensions:
    - "201-203"
    - {number: "300", behavior: {answer_after: 1s}}
)";

struct Rig final : PbxObserver {
  explicit Rig(const char* yaml = kOffice)
      : scenario(parse_scenario(yaml, "test.yaml")),
        session(scenario, kernel),
        encoder(session.pbx(), kernel),
        log(log_text),
        subscriptions(session.pbx(), encoder, clients, stats),
        requests(session.pbx(), session, kernel, subscriptions, encoder, clients, options, stats, log, nullptr) {
    session.pbx().add_observer(this);
    session.start();
  }
  void on_call_state(const CallStateEvent& e) override { subscriptions.call_state(e); }
  void on_reply(const OpResult& r) override {
    encoder.note(r);
    requests.on_reply(r);
  }
  void on_peer_change(CallId id) override { subscriptions.peer_changed(id); }
  void on_call_info(CallId id, std::uint32_t) override { subscriptions.peer_changed(id); }
  void on_media(const MediaEvent& e) override { subscriptions.media(e); }
  void on_agent_status(LineId line, std::uint32_t changed) override { subscriptions.agent_status(line, changed); }
  void on_queue_status(std::size_t queue) override { subscriptions.queue_status(queue); }

  ListClient& join(const std::string& name) {
    all.push_back(std::make_unique<ListClient>(all.size() + 1, name));
    clients.clients.push_back(all.back().get());
    return *all.back();
  }
  /// A client leaves, as ConnectionManager releases it.
  void leave(ListClient& c) {
    c.leave();
    requests.clear_calls_of(c, std::nullopt);
    subscriptions.remove(c);
    std::erase(clients.clients, &c);
  }
  /// Send a request; returns its reply (every other frame stays in the client's list).
  json request(ListClient& c, json body) {
    body["id"] = ++next_id;
    const auto parsed = wire::parse_request(body.dump());
    requests.handle(c, std::get<wire::Request>(parsed));
    subscriptions.flush();
    for (const json& f : c.frames)
      if (f.contains("id") && f["id"] == next_id) return f;
    ADD_FAILURE() << "no reply to " << body;
    return json::object();
  }
  void advance(Duration d) {
    kernel.advance_to(kernel.now() + d);
    subscriptions.flush();
  }

  Scenario scenario;
  ManualKernel kernel;
  ScenarioSession session;
  EventEncoder encoder;
  ListDirectory clients;
  ServerOptions options;
  ServerStats stats;
  std::ostringstream log_text;
  ServerLog log;
  Subscriptions subscriptions;
  RequestHandler requests;
  std::vector<std::unique_ptr<ListClient>> all;
  long long next_id = 0;
};

std::vector<std::string> kinds(const std::vector<json>& frames) {
  std::vector<std::string> out;
  for (const json& f : frames) {
    if (f.contains("event")) {
      const std::string state = f.contains("state") ? " " + f["state"].get<std::string>() : "";
      out.push_back(f["event"].get<std::string>() + state);
    } else {
      out.push_back(f.value("ok", false) ? "reply" : "error " + f.value("error", std::string()));
    }
  }
  return out;
}

/// The frames of one event kind, without their time.
std::vector<json> events_of(const std::vector<json>& frames, const std::string& event) {
  std::vector<json> out;
  for (json f : frames)
    if (f.value("event", "") == event) {
      f.erase("t");
      out.push_back(f);
    }
  return out;
}

TEST(RequestHandler, AnAgentDesktopLogsInTakesAQueueCallAndAWallboardReadsTheQueue) {
  Rig m(R"(
name: centre
pbx:
  extensions: ["201", "601-602"]
acd:
  activities: [Lunch]
  queues:
    - {name: sales, number: "500", agents: "601-602"}
  agents:
    - {line: "601", id: A601, state: LOGGEDOFF}
    - {line: "602", state: LOGGEDOFF}
)");
  ListClient& desk = m.join("desk");
  ListClient& caller = m.join("caller");
  ListClient& board = m.join("board");
  ASSERT_TRUE(m.request(desk, {{"op", "open"}, {"line", "601"}})["ok"]);
  ASSERT_TRUE(m.request(caller, {{"op", "open"}, {"line", "201"}})["ok"]);
  // lineGetAgentCaps and lineGetAgentStatus before logging in.
  const json caps = m.request(desk, {{"op", "agent_caps"}, {"line", "601"}});
  EXPECT_EQ(caps["agent"], "A601");
  EXPECT_EQ(caps["groups"], (json::array({{{"id", 1}, {"name", "sales"}, {"number", "500"}}})));
  EXPECT_EQ(caps["next_states"], (json::array({"LOGGEDOFF", "NOTREADY", "READY", "WORKINGAFTERCALL"})));
  json status = m.request(desk, {{"op", "agent_status"}, {"line", "601"}});
  EXPECT_EQ(status["state"], "LOGGEDOFF");
  EXPECT_EQ(status["next_state"], nullptr);
  EXPECT_EQ(status["activity"], (json{{"id", 0}, {"name", ""}}));
  desk.take();
  // Logging in: the reply, then LINE_AGENTSTATUS STATE.
  ASSERT_TRUE(m.request(desk, {{"op", "set_agent_state"}, {"line", "601"}, {"state", "READY"}})["ok"]);
  std::vector<json> agent = events_of(desk.take(), "agent_status");
  ASSERT_EQ(agent.size(), 1u);
  EXPECT_EQ(agent[0]["changed"], json::array({"STATE"}));
  EXPECT_EQ(agent[0]["state"], "READY");
  EXPECT_EQ(agent[0]["agent"], "A601");
  // A call to the pilot: the agent's line is offered it, with its queue.
  const json made = m.request(caller, {{"op", "make_call"}, {"line", "201"}, {"to", "500"}});
  ASSERT_TRUE(made["ok"]);
  m.advance(3s);  // dialling 500 takes about 1.3 s
  std::vector<json> frames = desk.take();
  std::vector<json> offered = events_of(frames, "new_call");
  ASSERT_EQ(offered.size(), 1u);
  EXPECT_EQ(offered[0]["queue"], "sales");
  EXPECT_EQ(offered[0]["original_to"], "500");
  EXPECT_EQ(offered[0]["reason"], "DIRECT");
  agent = events_of(frames, "agent_status");
  ASSERT_EQ(agent.size(), 1u);
  EXPECT_EQ(agent[0]["state"], "BUSYACD");
  // The wallboard reads the queue (any client may).
  const json list = m.request(board, {{"op", "queue_list"}});
  EXPECT_EQ(list["queues"], (json::array({{{"id", 1}, {"name", "sales"}, {"number", "500"}}})));
  const json info = m.request(board, {{"op", "queue_info"}, {"queue", "sales"}});
  EXPECT_EQ(info["total_calls_queued"], 1);
  EXPECT_EQ(info["current_calls_queued"], 0);
  EXPECT_EQ(m.request(board, {{"op", "queue_info"}, {"queue", "1"}})["name"], "sales");
  EXPECT_EQ(m.request(board, {{"op", "queue_info"}, {"queue", "support"}})["error"], "LINEERR_INVALPARAM");
  // Activities, and the refusals as LINEERRs.
  EXPECT_EQ(m.request(desk, {{"op", "agent_activities"}, {"line", "601"}})["activities"],
            (json::array({{{"id", 1}, {"name", "Lunch"}}})));
  EXPECT_EQ(m.request(desk, {{"op", "set_agent_activity"}, {"line", "601"}, {"activity", 2}})["error"],
            "LINEERR_INVALAGENTACTIVITY");
  EXPECT_EQ(m.request(desk, {{"op", "set_agent_state"}, {"line", "601"}, {"state", "BUSYACD"}})["error"],
            "LINEERR_INVALAGENTSTATE");
  EXPECT_EQ(m.request(desk, {{"op", "set_agent_group"}, {"line", "601"}, {"groups", json::array({"support"})}})["error"],
            "LINEERR_INVALAGENTGROUP");
  EXPECT_EQ(m.request(caller, {{"op", "set_agent_state"}, {"line", "201"}, {"state", "READY"}})["error"],
            "LINEERR_INVALAGENTID");
  EXPECT_EQ(m.request(caller, {{"op", "agent_status"}, {"line", "201"}})["error"], "LINEERR_INVALAGENTID");
  // A client that has not opened the agent's line cannot set its state.
  EXPECT_EQ(m.request(board, {{"op", "set_agent_state"}, {"line", "601"}, {"state", "NOTREADY"}})["error"],
            "LINEERR_INVALLINEHANDLE");
  // While busy, a state asked for becomes the next state.
  desk.take();
  ASSERT_TRUE(m.request(desk, {{"op", "set_agent_state"}, {"line", "601"}, {"state", "NOTREADY"}})["ok"]);
  agent = events_of(desk.take(), "agent_status");
  ASSERT_EQ(agent.size(), 1u);
  EXPECT_EQ(agent[0]["changed"], json::array({"NEXTSTATE"}));
  EXPECT_EQ(agent[0]["state"], "BUSYACD");
  EXPECT_EQ(agent[0]["next_state"], "NOTREADY");
}

TEST(RequestHandler, DigitsUuiAndCallDataTravelBetweenTwoClientsCalls) {
  // An agent desk (201) calls a customer desk (202): the customer's digits reach the agent's
  // monitor and gather, the agent's LINE_GENERATE says when they went, UUI shows at the far
  // party, call data at both, and the media requests are checked as every request is.
  Rig rig;
  ListClient& agent = rig.join("agent");
  ListClient& customer = rig.join("customer");
  ASSERT_TRUE(rig.request(agent, {{"op", "open"}, {"line", "201"}})["ok"]);
  ASSERT_TRUE(rig.request(customer, {{"op", "open"}, {"line", "202"}})["ok"]);
  const std::string a = rig.request(agent, {{"op", "make_call"}, {"line", "201"}, {"to", "202"}})["call"];
  rig.advance(2s);
  std::string b;
  for (const json& f : customer.take())
    if (f.value("event", "") == "new_call") b = f["call"];
  ASSERT_FALSE(b.empty());
  ASSERT_TRUE(rig.request(customer, {{"op", "answer"}, {"call", b}})["ok"]);
  ASSERT_TRUE(rig.request(agent, {{"op", "monitor_digits"}, {"call", a}, {"modes", {"DTMF"}}})["ok"]);
  ASSERT_TRUE(rig.request(agent, {{"op", "gather_digits"}, {"call", a}, {"max", 3}, {"terminators", "#"},
                                  {"first_timeout", 5000}})["ok"]);
  agent.take();
  customer.take();
  ASSERT_TRUE(rig.request(customer, {{"op", "generate_digits"}, {"call", b}, {"digits", "4#"}, {"duration", "50ms"}})["ok"]);
  rig.advance(1s);
  const auto heard = agent.take();
  EXPECT_EQ(events_of(heard, "monitor_digits"),
            (std::vector<json>{{{"event", "monitor_digits"}, {"line", "201"}, {"call", a}, {"digit", "4"}, {"mode", "DTMF"}},
                               {{"event", "monitor_digits"}, {"line", "201"}, {"call", a}, {"digit", "#"}, {"mode", "DTMF"}}}));
  EXPECT_EQ(events_of(heard, "gather_digits"),
            (std::vector<json>{{{"event", "gather_digits"}, {"line", "201"}, {"call", a}, {"termination", "TERMDIGIT"},
                                {"digits", "4#"}}}));
  EXPECT_TRUE(events_of(heard, "generate").empty()) << "the generation was the customer's";
  EXPECT_EQ(events_of(customer.take(), "generate"),
            (std::vector<json>{{{"event", "generate"}, {"line", "202"}, {"call", b}, {"termination", "DONE"}, {"what", "digits"}}}));
  // UUI: the far party's call_info USERUSERINFO; call data: both parties'.
  ASSERT_TRUE(rig.request(customer, {{"op", "send_user_user_info"}, {"call", b}, {"info", "ticket 42"}})["ok"]);
  const auto uui = events_of(agent.take(), "call_info");
  ASSERT_EQ(uui.size(), 1u);
  EXPECT_EQ(uui[0]["changed"], json::array({"USERUSERINFO"}));
  EXPECT_EQ(uui[0]["user_user_info"], "ticket 42");
  EXPECT_TRUE(events_of(customer.take(), "call_info").empty());
  ASSERT_TRUE(rig.request(agent, {{"op", "set_call_data"}, {"call", a}, {"data", "account=4711"}})["ok"]);
  for (ListClient* c : {&agent, &customer}) {
    const auto info = events_of(c->take(), "call_info");
    ASSERT_EQ(info.size(), 1u) << c->name;
    EXPECT_EQ(info[0]["changed"], json::array({"CALLDATA"}));
    EXPECT_EQ(info[0]["call_data"], "account=4711");
  }
  const json status = rig.request(agent, {{"op", "call_status"}, {"call", a}});
  EXPECT_EQ(status["call_data"], "account=4711");
  EXPECT_EQ(status["user_user_info"], "ticket 42");
  EXPECT_EQ(status["monitor_digit_modes"], json::array({"DTMF"}));
  // Bad media requests: LINEERR of the parameter, the reason in words.
  const json bad_mode = rig.request(agent, {{"op", "monitor_digits"}, {"call", a}, {"modes", {"TOUCH"}}});
  EXPECT_EQ(bad_mode["error"], "LINEERR_INVALDIGITMODE");
  EXPECT_EQ(bad_mode["message"], "modes: 'TOUCH' is not one of DTMF, DTMFEND or PULSE");
  EXPECT_EQ(rig.request(agent, {{"op", "gather_digits"}, {"call", a}, {"max", 3}, {"first_timeout", 10}})["error"],
            "LINEERR_INVALTIMEOUT");
  EXPECT_EQ(rig.request(agent, {{"op", "monitor_tones"}, {"call", a}, {"tones", {{{"frequencies", {"x"}}}}}})["error"],
            "LINEERR_INVALTONELIST");
  EXPECT_EQ(rig.request(customer, {{"op", "set_call_data"}, {"call", a}, {"data", "x"}})["error"], "LINEERR_NOTOWNER")
      << "the agent's call is the agent's";
}

TEST(RequestHandler, TheReplyNamesTheCallBeforeItsEventsAndMonitorsHearOfItFirst) {
  Rig rig;
  ListClient& desk = rig.join("desk");
  ListClient& watcher = rig.join("watcher");
  EXPECT_TRUE(rig.request(watcher, {{"op", "monitor"}, {"line", "201"}})["ok"].get<bool>());
  EXPECT_TRUE(rig.request(desk, {{"op", "open"}, {"line", "201"}})["ok"].get<bool>());
  const json made = rig.request(desk, {{"op", "make_call"}, {"line", "201"}, {"to", "300"}});
  ASSERT_TRUE(made["ok"].get<bool>()) << made;
  rig.advance(10s);

  // The controller: its open's reply and OPEN, then the reply naming the call, then the call's
  // states (no new_call: it learnt the handle from the reply).
  EXPECT_EQ(kinds(desk.take()),
            (std::vector<std::string>{"reply", "line_state OPEN", "reply", "call_state DIALTONE", "call_state DIALING",
                                      "call_info", "call_state PROCEEDING", "call_info", "call_state RINGBACK",
                                      "call_state CONNECTED"}));
  // The monitor: new_call before the call's first state.
  const auto heard = watcher.take();
  EXPECT_EQ(kinds(heard), (std::vector<std::string>{"reply", "line_state OPEN", "new_call DIALTONE", "call_state DIALTONE",
                                                    "call_state DIALING", "call_info", "call_state PROCEEDING",
                                                    "call_info", "call_state RINGBACK", "call_state CONNECTED"}));
  EXPECT_EQ(heard[2]["call"], made["call"]);
  EXPECT_EQ(heard[2]["owner"], "desk");

  // The monitor may look, not act.
  EXPECT_EQ(rig.request(watcher, {{"op", "drop"}, {"call", made["call"]}})["error"], "LINEERR_NOTOWNER");
  EXPECT_EQ(rig.request(watcher, {{"op", "call_status"}, {"call", made["call"]}})["state"], "CONNECTED");
  EXPECT_EQ(rig.stats.errors, 1u);
}

TEST(RequestHandler, CallParamsShapeTheCallAndTheCalledPartySeesWhatTheyCarry) {
  Rig rig;
  ListClient& desk = rig.join("desk");
  ListClient& far = rig.join("far");
  ASSERT_TRUE(rig.request(desk, {{"op", "open"}, {"line", "201"}})["ok"].get<bool>());
  ASSERT_TRUE(rig.request(far, {{"op", "open"}, {"line", "202"}})["ok"].get<bool>());
  const json params = {{"flags", {"BLOCKID", "secure"}}, {"no_answer_timeout", "4s"},
                       {"user_user_info", "ticket=9"}, {"display_text", "Order 9"},
                       {"media_mode", {"AUTOMATEDVOICE"}}, {"bearer_mode", "SPEECH"}};
  const json made = rig.request(desk, {{"op", "make_call"}, {"line", "201"}, {"to", "202"}, {"params", params}});
  ASSERT_TRUE(made["ok"].get<bool>()) << made;
  rig.advance(2s);
  json offered;
  for (const json& f : far.take())
    if (f.value("event", "") == "new_call") offered = f;
  ASSERT_FALSE(offered.is_null());
  EXPECT_EQ(offered["from"], "");
  EXPECT_EQ(offered["caller_blocked"], true);
  EXPECT_EQ(offered["params"], (json{{"user_user_info", "ticket=9"}, {"display_text", "Order 9"},
                                     {"media_mode", {"AUTOMATEDVOICE"}}, {"bearer_mode", "SPEECH"}}));
  const json status = rig.request(desk, {{"op", "call_status"}, {"call", made["call"]}});
  EXPECT_EQ(status["secure"], true);
  EXPECT_EQ(status["caller_blocked"], true);
  EXPECT_EQ(status["from"], "201");
  // dwNoAnswerTimeout: 4s after dialling completed (0.34s), nobody answered.
  rig.advance(3s);
  EXPECT_EQ(rig.request(desk, {{"op", "call_status"}, {"call", made["call"]}})["mode_name"], "NOANSWER");
  ASSERT_TRUE(rig.request(desk, {{"op", "drop"}, {"call", made["call"]}})["ok"].get<bool>());

  // Bad params: LINEERR_INVALCALLPARAMS naming the field; the originating address its own error.
  const auto refused = [&](const json& p) {
    return rig.request(desk, {{"op", "make_call"}, {"line", "201"}, {"to", "202"}, {"params", p}});
  };
  json r = refused({{"flags", {"BLOKID"}}});
  EXPECT_EQ(r["error"], "LINEERR_INVALCALLPARAMS");
  EXPECT_NE(r["message"].get<std::string>().find("'BLOKID'"), std::string::npos) << r;
  r = refused({{"no_answer_timeout", 20}});
  EXPECT_EQ(r["error"], "LINEERR_INVALCALLPARAMS");
  EXPECT_NE(r["message"].get<std::string>().find("no_answer_timeout"), std::string::npos) << r;
  r = refused({{"flags", "BLOCKID"}});
  EXPECT_EQ(r["error"], "LINEERR_INVALCALLPARAMS");
  EXPECT_NE(r["message"].get<std::string>().find("'flags' must be a list"), std::string::npos) << r;
  EXPECT_EQ(refused({{"no_answer_timeout", "-1s"}})["error"], "LINEERR_INVALCALLPARAMS");
  EXPECT_EQ(refused({{"colour", "red"}})["error"], "LINEERR_INVALCALLPARAMS");
  EXPECT_EQ(rig.request(desk, {{"op", "make_call"}, {"line", "201"}, {"params", "BLOCKID"}})["error"],
            "LINEERR_INVALCALLPARAMS");
  EXPECT_EQ(refused({{"address_id", 3}})["error"], "LINEERR_INVALADDRESSID");
  EXPECT_EQ(refused({{"orig_address", "203"}})["error"], "LINEERR_INVALADDRESS");
}

TEST(RequestHandler, OpenAndMonitorAnnounceTheCallsInProgressBeforeTheirReply) {
  Rig rig;
  ListClient& desk = rig.join("desk");
  rig.request(desk, {{"op", "open"}, {"line", "201"}});
  const std::string call = rig.request(desk, {{"op", "make_call"}, {"line", "201"}, {"to", "300"}})["call"];
  rig.advance(10s);

  ListClient& late = rig.join("late");
  rig.request(late, {{"op", "monitor"}, {"line", "*"}});
  const auto heard = late.take();
  EXPECT_EQ(kinds(heard), (std::vector<std::string>{"new_call CONNECTED", "call_state CONNECTED", "new_call CONNECTED",
                                                    "call_state CONNECTED", "reply"}));
  EXPECT_EQ(heard[0]["call"], call);
  EXPECT_EQ(heard[2]["line"], "300");
  rig.request(late, {{"op", "monitor"}, {"line", "*"}});
  EXPECT_EQ(kinds(late.take()), (std::vector<std::string>{"reply"})) << "nothing is announced twice";
}

TEST(RequestHandler, AClientThatLeavesHasItsCallsDroppedAndItsLinesClosed) {
  Rig rig;
  ListClient& desk = rig.join("desk");
  ListClient& watcher = rig.join("watcher");
  rig.request(watcher, {{"op", "monitor"}, {"line", "*"}});
  rig.request(desk, {{"op", "open"}, {"line", "201"}});
  const std::string call = rig.request(desk, {{"op", "make_call"}, {"line", "201"}, {"to", "300"}})["call"];
  rig.advance(10s);
  watcher.take();

  rig.leave(desk);
  rig.advance(1s);
  const auto heard = watcher.take();
  const auto idle = std::find_if(heard.begin(), heard.end(), [&](const json& f) {
    return f.value("call", "") == call && f.value("state", "") == "IDLE";
  });
  EXPECT_NE(idle, heard.end()) << json(heard).dump();
  EXPECT_EQ(kinds(heard).back(), "line_state CLOSE");
  EXPECT_EQ(rig.subscriptions.controller(*rig.session.pbx().find_line("201")), nullptr);

  // The line is free for another client.
  ListClient& next = rig.join("next");
  EXPECT_TRUE(rig.request(next, {{"op", "open"}, {"line", "201"}})["ok"].get<bool>());
}

TEST(RequestHandler, HelloNamesAndHandoffMovesACall) {
  Rig rig;
  ListClient& a = rig.join("client-1");
  ListClient& b = rig.join("client-2");
  EXPECT_EQ(rig.request(a, {{"op", "hello"}, {"name", "desk"}})["name"], "desk");
  EXPECT_EQ(rig.request(b, {{"op", "hello"}, {"name", "desk"}})["message"], "the name 'desk' is taken");
  EXPECT_EQ(rig.request(b, {{"op", "hello"}, {"name", "sup"}, {"versions", {1, 7}}})["protocol"], 1);
  rig.request(a, {{"op", "open"}, {"line", "201"}});
  const std::string call = rig.request(a, {{"op", "make_call"}, {"line", "201"}, {"to", "300"}})["call"];
  rig.advance(10s);
  EXPECT_EQ(rig.request(a, {{"op", "handoff"}, {"call", call}, {"to", "nobody"}})["error"], "LINEERR_TARGETNOTFOUND");
  b.take();
  EXPECT_EQ(rig.request(a, {{"op", "handoff"}, {"call", call}, {"to", "sup"}})["to"], "sup");
  EXPECT_EQ(kinds(b.take()), (std::vector<std::string>{"new_call CONNECTED", "call_state CONNECTED"}));
  EXPECT_TRUE(b.owned.count(std::stoul(call.substr(1))));
  EXPECT_EQ(rig.request(a, {{"op", "drop"}, {"call", call}})["error"], "LINEERR_NOTOWNER");
  EXPECT_TRUE(rig.request(b, {{"op", "drop"}, {"call", call}})["ok"].get<bool>());

  // The run's record of operations names who did what.
  const RunResult result = rig.session.finish();
  ASSERT_GE(result.operations.size(), 3u);
  EXPECT_EQ(result.operations.front().who, "desk");
  EXPECT_EQ(result.operations.back().who, "sup");
}


// --- several clients on one line (TAPI's privileges) ------------------------------------------

/// The first frame of `kind` about `call` in `frames`, or null.
json first_of(const std::vector<json>& frames, const std::string& kind, const std::string& call) {
  for (const json& f : frames)
    if (f.value("event", "") == kind && f.value("call", "") == call) return f;
  return nullptr;
}

TEST(RequestHandler, SharedOpensGiveANewCallToOneOwnerAndEveryMonitor) {
  Rig rig;
  ListClient& dialler = rig.join("dialler");
  ListClient& logger = rig.join("logger");
  ListClient& old = rig.join("old");
  const json opened = rig.request(dialler, {{"op", "open"}, {"line", "201"}, {"privilege", "owner"},
                                            {"media_modes", {"interactivevoice"}}});
  ASSERT_TRUE(opened["ok"].get<bool>()) << opened;
  EXPECT_EQ(opened["privilege"], "OWNER");
  EXPECT_EQ(opened["media_modes"], json({"INTERACTIVEVOICE"}));
  EXPECT_TRUE(rig.request(logger, {{"op", "open"}, {"line", "201"}, {"privilege", "LINECALLPRIVILEGE_MONITOR"}})["ok"].get<bool>());
  // A plain open takes the line alone: refused while an owner shares it.
  EXPECT_EQ(rig.request(old, {{"op", "open"}, {"line", "201"}})["error"], "LINEERR_ALLOCATED");
  EXPECT_EQ(rig.request(old, {{"op", "open"}, {"line", "201"}, {"privilege", "owner"}})["error"], "LINEERR_INVALPARAM")
      << "an owner names its media modes";
  EXPECT_EQ(rig.request(old, {{"op", "open"}, {"line", "201"}, {"privilege", "boss"}})["error"], "LINEERR_INVALPARAM");
  dialler.take();
  logger.take();

  // The scenario calls 201: the owner and the monitor each hear of it, with their privilege.
  const OpResult in = rig.session.pbx().make_call(*rig.session.pbx().find_line("203"), "201");
  ASSERT_TRUE(in.ok());
  rig.advance(2s);
  const auto d = dialler.take(), l = logger.take();
  ASSERT_FALSE(d.empty());
  const std::string call = d.front().value("call", "");
  EXPECT_EQ(first_of(d, "new_call", call)["privilege"], "OWNER");
  EXPECT_EQ(first_of(l, "new_call", call)["privilege"], "MONITOR");
  EXPECT_EQ(kinds(l), kinds(d)) << "both hear every event of the call";
  const json refused = rig.request(logger, {{"op", "answer"}, {"call", call}});
  EXPECT_EQ(refused["error"], "LINEERR_NOTOWNER");
  EXPECT_NE(refused["message"].get<std::string>().find("only monitors"), std::string::npos) << refused;
  EXPECT_TRUE(rig.request(dialler, {{"op", "answer"}, {"call", call}})["ok"].get<bool>());
  // A NONE opener makes calls but hears of nobody else's.
  EXPECT_TRUE(rig.request(old, {{"op", "open"}, {"line", "201"}, {"privilege", "none"}})["ok"].get<bool>());
  EXPECT_EQ(kinds(old.take()), (std::vector<std::string>{"error LINEERR_ALLOCATED", "error LINEERR_INVALPARAM",
                                                          "error LINEERR_INVALPARAM", "reply", "line_state OPEN"}));
  // The line's events reach every opener.
  EXPECT_TRUE(rig.request(old, {{"op", "close"}, {"line", "201"}})["ok"].get<bool>());
  EXPECT_EQ(kinds(logger.take()).back(), "line_state CLOSE");
}

TEST(RequestHandler, TheOwnerOfANewCallIsChosenByMediaModeThenRankThenOpenOrder) {
  Rig rig;
  ListClient& first = rig.join("first");
  ListClient& data = rig.join("data");
  ListClient& ranked = rig.join("ranked");
  rig.request(first, {{"op", "open"}, {"line", "202"}, {"privilege", "owner"}, {"media_modes", {"INTERACTIVEVOICE"}}});
  rig.request(data, {{"op", "open"}, {"line", "202"}, {"privilege", "owner+monitor"}, {"media_modes", {"DATAMODEM"}}});
  const auto in = [&](const char* from) {
    const OpResult r = rig.session.pbx().make_call(*rig.session.pbx().find_line(from), "202");
    EXPECT_TRUE(r.ok()) << r;
    rig.advance(2s);
  };
  first.take();
  data.take();
  in("203");
  const auto heard = first.take();
  ASSERT_FALSE(heard.empty());
  EXPECT_EQ(heard[0]["event"], "new_call") << json(heard).dump();
  EXPECT_EQ(heard[0]["privilege"], "OWNER") << json(heard).dump();
  const std::string c1 = heard[0]["call"];
  EXPECT_EQ(first_of(data.take(), "new_call", c1)["privilege"], "MONITOR") << "a voice call: the data owner monitors";
  EXPECT_EQ(rig.request(data, {{"op", "drop"}, {"call", c1}})["error"], "LINEERR_NOTOWNER");
  const json dropped = rig.request(first, {{"op", "drop"}, {"call", c1}});
  EXPECT_TRUE(dropped["ok"].get<bool>()) << dropped;
  // A ranked owner comes before those that are not.
  rig.request(ranked, {{"op", "open"}, {"line", "202"}, {"privilege", "owner"}, {"media_modes", {"INTERACTIVEVOICE"}}, {"rank", 0}});
  first.take();
  ranked.take();
  in("201");
  const auto r = ranked.take();
  ASSERT_GE(r.size(), 1u);
  EXPECT_EQ(r[0]["event"], "new_call");
  EXPECT_EQ(r[0]["privilege"], "OWNER");
  EXPECT_TRUE(first_of(first.take(), "new_call", r[0]["call"]).is_null()) << "an owner that is not chosen and does not monitor hears nothing";
  EXPECT_EQ(rig.subscriptions.controller(*rig.session.pbx().find_line("202"))->name, "ranked");
}

TEST(RequestHandler, HandoffByMediaModeOrApplicationKeepsTheSourcesOwnershipAndSetPrivilegeGuardsTheLastOwner) {
  Rig rig;
  ListClient& dialler = rig.join("dialler");
  ListClient& logger = rig.join("logger");
  rig.request(dialler, {{"op", "open"}, {"line", "201"}, {"privilege", "owner"}, {"media_modes", {"INTERACTIVEVOICE"}}});
  rig.request(logger, {{"op", "open"}, {"line", "201"}, {"privilege", "OWNER+MONITOR"}, {"media_modes", {"DATAMODEM"}}});
  EXPECT_EQ(rig.request(logger, {{"op", "register_app"}, {"name", "logger.exe"}})["apps"], json({"logger.exe"}));
  EXPECT_EQ(rig.request(logger, {{"op", "register_app"}, {"name", "C:\\x\\logger.exe"}})["error"], "LINEERR_INVALPARAM");
  const std::string call = rig.request(dialler, {{"op", "make_call"}, {"line", "201"}, {"to", "300"}})["call"];
  rig.advance(5s);
  EXPECT_EQ(first_of(logger.take(), "new_call", call)["privilege"], "MONITOR");

  const auto handoff = [&](json body) {
    body["op"] = "handoff";
    body["call"] = call;
    return rig.request(dialler, body);
  };
  EXPECT_EQ(handoff({{"media_mode", "INTERACTIVEVOICE"}})["error"], "LINEERR_TARGETSELF");
  EXPECT_EQ(handoff({{"media_mode", "G3FAX"}})["error"], "LINEERR_TARGETNOTFOUND");
  EXPECT_EQ(handoff({{"media_mode", "NOSUCHMODE"}})["error"], "LINEERR_INVALPARAM");
  EXPECT_EQ(handoff({{"app", "nobody.exe"}})["error"], "LINEERR_TARGETNOTFOUND");
  EXPECT_EQ(handoff({{"app", "x.exe"}, {"media_mode", "DATAMODEM"}})["error"], "LINEERR_INVALPARAM");
  EXPECT_EQ(rig.request(logger, {{"op", "handoff"}, {"call", call}, {"media_mode", "DATAMODEM"}})["error"], "LINEERR_NOTOWNER");
  logger.take();
  const json to_logger = handoff({{"media_mode", "LINEMEDIAMODE_DATAMODEM"}});
  EXPECT_EQ(to_logger["to"], "logger") << to_logger;
  // The target knew the call: call_privilege, then its state.
  const auto heard = logger.take();
  EXPECT_EQ(kinds(heard), (std::vector<std::string>{"call_privilege", "call_state CONNECTED"}));
  EXPECT_EQ(heard[0]["privilege"], "OWNER");
  EXPECT_EQ(rig.request(logger, {{"op", "hold"}, {"call", call}})["ok"], true) << "the target owns it";
  EXPECT_EQ(rig.request(dialler, {{"op", "unhold"}, {"call", call}})["ok"], true) << "and so does the source";
  // By name, to a target that owns it already: done, and it hears nothing.
  logger.take();
  EXPECT_EQ(handoff({{"app", "C:\\Apps\\LOGGER.EXE"}})["to"], "logger");
  EXPECT_EQ(kinds(logger.take()), (std::vector<std::string>{}));

  // One owner may step down to monitor while another owns the call; the last may not.
  EXPECT_EQ(rig.request(dialler, {{"op", "set_privilege"}, {"call", call}, {"privilege", "monitor"}})["privilege"], "MONITOR");
  EXPECT_EQ(rig.request(dialler, {{"op", "drop"}, {"call", call}})["error"], "LINEERR_NOTOWNER");
  EXPECT_EQ(rig.request(logger, {{"op", "set_privilege"}, {"call", call}, {"privilege", "monitor"}})["error"],
            "LINEERR_INVALCALLSTATE");
  EXPECT_EQ(rig.request(logger, {{"op", "set_privilege"}, {"call", call}, {"privilege", "boss"}})["error"], "LINEERR_INVALPARAM");

  // Deallocation: the call stays at the switch until every holder has let it go.
  EXPECT_EQ(rig.request(logger, {{"op", "deallocate"}, {"call", call}})["error"], "LINEERR_INVALCALLSTATE")
      << "the only owner of a call in progress drops it first";
  EXPECT_TRUE(rig.request(logger, {{"op", "drop"}, {"call", call}})["ok"].get<bool>());
  rig.advance(1s);
  EXPECT_TRUE(rig.request(dialler, {{"op", "deallocate"}, {"call", call}})["ok"].get<bool>());
  EXPECT_EQ(rig.request(dialler, {{"op", "call_status"}, {"call", call}})["state"], "IDLE") << "the logger still holds it";
  EXPECT_EQ(rig.request(dialler, {{"op", "deallocate"}, {"call", call}})["error"], "LINEERR_NOTOWNER")
      << "a handle is let go once";
  EXPECT_TRUE(rig.request(logger, {{"op", "deallocate"}, {"call", call}})["ok"].get<bool>());
  EXPECT_EQ(rig.request(dialler, {{"op", "call_status"}, {"call", call}})["error"], "LINEERR_INVALCALLHANDLE");
}

TEST(RequestHandler, AHandoffToAClientWithoutAHandleIsANewCallAndCloseDropsOnlyWhatItAloneOwns) {
  Rig rig;
  ListClient& a = rig.join("a");
  ListClient& b = rig.join("b");
  rig.request(a, {{"op", "open"}, {"line", "201"}, {"privilege", "owner"}, {"media_modes", {"INTERACTIVEVOICE"}}});
  rig.request(b, {{"op", "open"}, {"line", "201"}, {"privilege", "owner"}, {"media_modes", {"DATAMODEM"}}});
  const std::string kept = rig.request(a, {{"op", "make_call"}, {"line", "201"}, {"to", "300"}})["call"];
  rig.advance(3s);
  EXPECT_TRUE(rig.request(a, {{"op", "hold"}, {"call", kept}})["ok"].get<bool>());
  const json second = rig.request(a, {{"op", "make_call"}, {"line", "201"}, {"to", "202"}});
  ASSERT_TRUE(second["ok"].get<bool>()) << second;
  const std::string dropped = second["call"];
  rig.advance(3s);
  EXPECT_EQ(kinds(b.take()), (std::vector<std::string>{"reply", "line_state OPEN"}))
      << "an owner of other media that does not monitor hears of no call";
  EXPECT_EQ(rig.request(a, {{"op", "handoff"}, {"call", kept}, {"media_mode", "DATAMODEM"}})["to"], "b");
  const auto heard = b.take();
  ASSERT_EQ(kinds(heard), (std::vector<std::string>{"new_call ONHOLD", "call_state ONHOLD"}));
  EXPECT_EQ(heard[0]["privilege"], "OWNER");
  // a closes: the call it alone owns is dropped, the one b owns too goes on.
  EXPECT_TRUE(rig.request(a, {{"op", "close"}, {"line", "201"}})["ok"].get<bool>());
  rig.advance(1s);
  EXPECT_EQ(rig.request(b, {{"op", "call_status"}, {"call", kept}})["state"], "ONHOLD");
  EXPECT_EQ(rig.request(b, {{"op", "call_status"}, {"call", dropped}})["error"], "LINEERR_INVALCALLHANDLE")
      << "dropped and deallocated: nobody else held it";
  // A plain open is refused while b shares the line as owner; a monitor joins.
  ListClient& c = rig.join("c");
  EXPECT_EQ(rig.request(c, {{"op", "open"}, {"line", "201"}})["error"], "LINEERR_ALLOCATED");
  EXPECT_TRUE(rig.request(c, {{"op", "open"}, {"line", "201"}, {"privilege", "monitor"}})["ok"].get<bool>());
  EXPECT_EQ(first_of(c.take(), "new_call", kept)["privilege"], "MONITOR") << "the call in progress, announced";
  // b goes: its call is dropped, and c, its last holder, lets it go.
  rig.leave(b);
  rig.advance(1s);
  EXPECT_EQ(rig.request(c, {{"op", "call_status"}, {"call", kept}})["state"], "IDLE");
  EXPECT_TRUE(rig.request(c, {{"op", "deallocate"}, {"call", kept}})["ok"].get<bool>());
  EXPECT_EQ(rig.request(c, {{"op", "call_status"}, {"call", kept}})["error"], "LINEERR_INVALCALLHANDLE");
}

TEST(RequestHandler, AMonitorSharingALineOfAClientThatHasItAloneDoesNotChangeThatClientsRules) {
  Rig rig;
  ListClient& desk = rig.join("desk");
  ListClient& logger = rig.join("logger");
  EXPECT_TRUE(rig.request(desk, {{"op", "open"}, {"line", "201"}})["ok"].get<bool>());
  EXPECT_EQ(rig.request(logger, {{"op", "open"}, {"line", "201"}, {"privilege", "owner"}, {"media_modes", {"DATAMODEM"}}})["error"],
            "LINEERR_ALLOCATED");
  EXPECT_TRUE(rig.request(logger, {{"op", "open"}, {"line", "201"}, {"privilege", "monitor"}})["ok"].get<bool>());
  const OpResult in = rig.session.pbx().make_call(*rig.session.pbx().find_line("203"), "201");
  ASSERT_TRUE(in.ok());
  rig.advance(2s);
  const auto d = desk.take();
  const std::string call = to_string(rig.session.pbx().line(*rig.session.pbx().find_line("201")).calls.front());
  EXPECT_EQ(first_of(d, "new_call", call)["privilege"], "OWNER");
  EXPECT_TRUE(rig.request(desk, {{"op", "answer"}, {"call", call}})["ok"].get<bool>());
  EXPECT_TRUE(rig.request(desk, {{"op", "drop"}, {"call", call}})["ok"].get<bool>());
  rig.advance(1s);
  // The logger holds it too: desk's deallocate lets its own handle go.
  EXPECT_TRUE(rig.request(desk, {{"op", "deallocate"}, {"call", call}})["ok"].get<bool>());
  EXPECT_TRUE(rig.request(logger, {{"op", "deallocate"}, {"call", call}})["ok"].get<bool>());
  EXPECT_EQ(rig.request(desk, {{"op", "call_status"}, {"call", call}})["error"], "LINEERR_INVALCALLHANDLE");
}

TEST(RequestHandler, AClientThatOnlyMonitorsALineCannotMakeItselfTheOwnerOfItsCalls) {
  Rig rig;
  ListClient& desk = rig.join("desk");
  ListClient& watcher = rig.join("watcher");
  EXPECT_TRUE(rig.request(desk, {{"op", "open"}, {"line", "201"}})["ok"].get<bool>());
  EXPECT_TRUE(rig.request(watcher, {{"op", "monitor"}, {"line", "201"}})["ok"].get<bool>());
  const std::string call = rig.request(desk, {{"op", "make_call"}, {"line", "201"}, {"to", "202"}})["call"];
  rig.advance(2s);
  EXPECT_EQ(first_of(watcher.take(), "new_call", call)["privilege"], "MONITOR");
  const json refused = rig.request(watcher, {{"op", "set_privilege"}, {"call", call}, {"privilege", "OWNER"}});
  EXPECT_EQ(refused["error"], "LINEERR_NOTOWNER") << refused;
  EXPECT_NE(refused["message"].get<std::string>().find("only monitors"), std::string::npos) << refused;
  EXPECT_EQ(rig.request(watcher, {{"op", "drop"}, {"call", call}})["error"], "LINEERR_NOTOWNER");
  ListClient& stranger = rig.join("stranger");
  EXPECT_EQ(rig.request(stranger, {{"op", "set_privilege"}, {"call", call}, {"privilege", "MONITOR"}})["error"],
            "LINEERR_INVALCALLHANDLE");
  EXPECT_TRUE(rig.request(desk, {{"op", "drop"}, {"call", call}})["ok"].get<bool>());
}

// tapi32's provider opens a line first as a monitor and then, once TAPI knows its owners' media
// modes, again as an owner: a call that was ringing before it opened, which nobody owns, is then
// its own.
TEST(RequestHandler, ACallRingingBeforeTheLineWasOpenedGoesToTheClientThatOpensItAgainAsOwner) {
  Rig rig;
  ListClient& app = rig.join("app");
  const OpResult in = rig.session.pbx().make_call(*rig.session.pbx().find_line("203"), "202");
  ASSERT_TRUE(in.ok());
  rig.advance(2s);
  EXPECT_TRUE(rig.request(app, {{"op", "open"}, {"line", "202"}, {"privilege", "MONITOR"}})["ok"].get<bool>());
  const std::string call = to_string(rig.session.pbx().line(*rig.session.pbx().find_line("202")).calls.front());
  EXPECT_EQ(first_of(app.take(), "new_call", call)["privilege"], "MONITOR");
  EXPECT_TRUE(rig.request(app, {{"op", "open"}, {"line", "202"}, {"privilege", "OWNER+MONITOR"},
                                {"media_modes", {"INTERACTIVEVOICE"}}})["ok"].get<bool>());
  const auto heard = app.take();
  EXPECT_EQ(kinds(heard), (std::vector<std::string>{"reply", "call_privilege", "call_state OFFERING"}));
  EXPECT_EQ(first_of(heard, "call_privilege", call)["privilege"], "OWNER");
  EXPECT_TRUE(rig.request(app, {{"op", "answer"}, {"call", call}})["ok"].get<bool>());
}

// The live console monitors every line ("*") and opens a line only when a person acts on it:
// a call ringing there, which nobody owns, is then its own, so answering (or a refused hold) is
// the switch's verdict on the call, not NOTOWNER.
TEST(RequestHandler, AClientThatMonitoredALineAndThenOpensItOwnsTheCallsNobodyOwns) {
  Rig rig;
  ListClient& page = rig.join("page");
  EXPECT_TRUE(rig.request(page, {{"op", "monitor"}, {"line", "*"}})["ok"].get<bool>());
  const OpResult in = rig.session.pbx().make_call(*rig.session.pbx().find_line("203"), "202");
  ASSERT_TRUE(in.ok());
  rig.advance(2s);
  const std::string call = to_string(rig.session.pbx().line(*rig.session.pbx().find_line("202")).calls.front());
  page.take();
  EXPECT_TRUE(rig.request(page, {{"op", "open"}, {"line", "202"}})["ok"].get<bool>());
  const auto heard = page.take();
  EXPECT_EQ(first_of(heard, "call_privilege", call)["privilege"], "OWNER");
  const json hold = rig.request(page, {{"op", "hold"}, {"call", call}});
  EXPECT_EQ(hold["error"], "LINEERR_INVALCALLSTATE") << hold.dump();
  EXPECT_TRUE(rig.request(page, {{"op", "answer"}, {"call", call}})["ok"].get<bool>());
}

}  // namespace
}  // namespace telsim::serve

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
struct Rig final : PbxObserver {
  Rig()
      : scenario(parse_scenario(R"(
name: office
pbx:
  extensions:
    - "201-203"
    - {number: "300", behavior: {answer_after: 1s}}
)",
                                "test.yaml")),
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

}  // namespace
}  // namespace telsim::serve

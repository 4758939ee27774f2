// tapi32.dll under Wine: Windows TAPI programs that know nothing of telsim (tsp-shim/apps) run
// against telsim's tapi32.dll, which hosts telsim.tsp, which talks to a real `telsim serve` on
// loopback. Each program checks the TAPI rules it relies on and prints every message it got;
// this driver holds each call's LINE_CALLSTATE sequence against the server's own events (a
// connection of its own monitoring every line) and the scenario's expectations (its verdict).
#include <algorithm>
#include <cstdlib>
#include <set>

#include <gtest/gtest.h>

#include "cli/cli_support.hpp"
#include "cli/serve_support.hpp"
#include "wine_apps.hpp"

namespace telsim::tapi32_test {
namespace {

using cli_test::ServeProcess;
using cli_test::TempDir;

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

/// "0x10004", as the programs print hexadecimal values.
std::string hex(unsigned v) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%x", v);
  return b;
}

bool have_wine() { return std::string(TELSIM_WINE).size() > 0; }
/// Debian's wine32 (the i386 package) puts the 32-bit loader here; wine64 alone runs no 32-bit
/// program. scripts/install-deps installs it, unless the i386 archive cannot be had.
bool have_wine32() { return fs::exists("/usr/lib/wine/wine"); }

/// Why the 32-bit programs cannot run here ("" when they can): every 32-bit test skips with it.
std::string no_32_bit() {
  if (std::string(TELSIM_TSP_BIN32).empty()) return "no 32-bit build (Debian: g++-mingw-w64-i686-win32)";
  if (!have_wine32()) return "wine32 is not installed: no 32-bit Wine to run it (Debian: wine32:i386)";
  return "";
}

fs::path scenario(const std::string& name) { return fs::path(TELSIM_SOURCE_DIR) / "tsp-shim" / "test" / name; }

class Tapi32UnderWine : public ::testing::Test {
 public:
  void SetUp() override {
    if (!have_wine()) GTEST_SKIP() << "wine is not installed (Debian: wine64)";
    ::signal(SIGPIPE, SIG_IGN);
  }
  std::unique_ptr<ServeProcess> start_server(const std::string& yaml) {
    auto s = std::make_unique<ServeProcess>(dir_.path(), std::vector<std::string>{scenario(yaml).string(), "--listen", "127.0.0.1:0"});
    EXPECT_TRUE(s->wait_listening()) << s->describe();
    return s;
  }
  /// Point the test prefix at `port` the way a user would (telsim wine-setup writes the
  /// registry value the TSP reads).
  void setup_prefix(int port) {
    const cli_test::Result r = cli_test::run_telsim("wine-setup " + cli_test::quote(TELSIM_TAPI32_PREFIX) +
                                                    " --server 127.0.0.1:" + std::to_string(port));
    ASSERT_EQ(r.status, 0) << r.out << r.err;
  }
  /// A program placed in the test prefix (C:\apps, nothing of telsim beside it) run under Wine
  /// and Xvfb: it finds tapi32.dll and telsim.tsp where `telsim wine-setup` put them. Its
  /// wineserver ends with it, so the next program gets a desktop on its own display. With a
  /// port, the TSP is pointed there through TELSIM_SERVER; without, it reads the registry.
  /// `bits` 32 runs the 32-bit build (bin32) from C:\apps32: Wine's WoW64, with the 32-bit DLLs
  /// wine-setup put in syswow64.
  AppRun run_app(const std::string& exe, const std::vector<std::string>& args, int port = 0, int bits = 64) {
    const std::string folder = bits == 32 ? "apps32" : "apps";
    const fs::path apps = fs::path(TELSIM_TAPI32_PREFIX) / "drive_c" / folder;
    fs::create_directories(apps);
    fs::copy_file(fs::path(bits == 32 ? TELSIM_TSP_BIN32 : TELSIM_TSP_BIN) / exe, apps / exe,
                  fs::copy_options::overwrite_existing);
    std::vector<std::string> argv{TELSIM_XVFB_RUN, "-a", "-s", "-screen 0 800x600x24", "sh", "-c",
                                  "\"$0\" \"$@\"; rc=$?; wineserver -k; exit $rc", TELSIM_WINE,
                                  "C:\\" + folder + "\\" + exe};
    argv.insert(argv.end(), args.begin(), args.end());
    std::map<std::string, std::string> env{{"WINEPREFIX", TELSIM_TAPI32_PREFIX}, {"WINEDLLOVERRIDES", "mscoree,mshtml="}};
    if (port) env["TELSIM_SERVER"] = "127.0.0.1:" + std::to_string(port);
    return run_process(dir_.path(), folder + "-" + exe, argv, env);
  }
  /// Every call the program reported went through the states the server reported for it, in
  /// the same order, and DISCONNECTED carried the server's mode. Returns the calls, in order.
  std::vector<std::string> check_against_server(const AppRun& run, ServerWatch& watch, const std::string& kind = "CALLSTATE") {
    std::vector<std::string> order;
    for (auto& f : lines_of(run.out, kind))
      if (std::find(order.begin(), order.end(), "c" + f["id"]) == order.end()) order.push_back("c" + f["id"]);
    hold_against_server(app_calls(run.out, kind), watch);
    return order;
  }
  /// Each sequence of LINE_CALLSTATEs, by key ("c17", or "a c17": one application's of call
  /// c17), is the server's states of that call, in the same order, and DISCONNECTED carried the
  /// server's mode.
  static void hold_against_server(const std::map<std::string, std::vector<std::pair<std::string, unsigned>>>& sequences,
                                  ServerWatch& watch) {
    for (const auto& [key, seen] : sequences) {
      const std::string call = key.substr(key.rfind(' ') + 1);
      // The server's events may trail the program's end by a moment.
      watch.wait([&, c = call](const json& f) {
        return f.value("event", "") == "call_state" && f.value("call", "") == c && f.value("state", "") == seen.back().first;
      });
      const auto truth = watch.states(call);
      EXPECT_EQ(names(seen), names(truth)) << "call " << key << ": the program's LINE_CALLSTATEs against the server's";
      for (std::size_t i = 0; i < seen.size() && i < truth.size(); ++i) {
        if (seen[i].first == "DISCONNECTED") {
          EXPECT_EQ(seen[i].second, truth[i].second) << key << ": DISCONNECTED's dwParam2 is the server's mode";
        }
      }
    }
  }
  /// The data call (AUnimodemStyleProgramMakesADataCallAndMovesDataThroughThePort), from the
  /// 64-bit or the 32-bit build of datamodem.exe; `api` non-zero: the program negotiates exactly
  /// that TAPI version (datamodem.exe --api).
  void data_call(int bits, unsigned api = 0);
  /// Passthrough and the DEVCFG that configures the modem
  /// (PassthroughHandsTheProgramTheModemWhichItsDevConfigConfigured), 64- or 32-bit.
  void passthrough(int bits);
  TempDir dir_;
};

// `telsim wine-setup` refuses what it cannot do, before touching the prefix: a server address that
// is not HOST:PORT, a DLL folder without the DLLs (no Wine needed for either).
TEST(WineSetup, RefusesABadServerAddressAndAFolderWithoutTheDlls) {
  TempDir dir;
  const std::string prefix = cli_test::quote((dir.path() / "prefix").string());
  cli_test::Result r = cli_test::run_telsim("wine-setup " + prefix + " --server 127.0.0.1");
  EXPECT_EQ(r.status, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("telsim wine-setup: --server:"), std::string::npos) << r.err;
  r = cli_test::run_telsim("wine-setup " + prefix + " --server 127.0.0.1:5070 --dlls " + cli_test::quote(dir.path().string()));
  EXPECT_EQ(r.status, 2) << r.out << r.err;
  EXPECT_NE(r.err.find(dir.path().string() + " has no tapi32.dll and telsim.tsp"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir.path() / "prefix")) << "nothing is made before the checks pass";
}

// The first program and its "Done when": in the prefix `telsim wine-setup` made, an ANSI
// TAPI 1.4 program with a window and a message loop, which knows nothing of telsim (the server's
// address is in the registry, where wine-setup wrote it), places a call the scenario sees
// CONNECTED, hangs up from its callback, then dials
// a busy number and opens a modal box there, inside which the hang-up's LINE_REPLY and the IDLE
// arrive (callbacks nested in a callback: tapi32 holds no lock while a callback runs).
void dial_test(Tapi32UnderWine& t, int bits);
TEST_F(Tapi32UnderWine, AnAnsiTapi14ProgramDialsHangsUpAndShowsABusyBox) { dial_test(*this, 64); }

// The same program built for 32-bit Windows, which most TAPI programs in service are: WoW64 with
// the 32-bit tapi32.dll and telsim.tsp wine-setup put in syswow64 (the registry read through
// Wow6432Node).
TEST_F(Tapi32UnderWine, TheThirtyTwoBitBuildOfTheDiallerDoesTheSame) {
  if (const std::string why = no_32_bit(); !why.empty()) GTEST_SKIP() << why;
  dial_test(*this, 32);
}

void dial_test(Tapi32UnderWine& t, int bits) {
  auto server = t.start_server("tapi32-dial.yaml");
  ServerWatch watch(server->port());
  ASSERT_TRUE(watch.ok());
  t.setup_prefix(server->port());
  const AppRun run = t.run_app("dialer14.exe", {"--line", "201", "--auto-close", "202", "203"}, 0, bits);
  EXPECT_EQ(run.status, 0) << run.describe();
  EXPECT_NE(run.out.find("PASS: dialer14"), std::string::npos) << run.describe();
  const auto calls = t.check_against_server(run, watch);
  ASSERT_EQ(calls.size(), 2u) << run.describe();
  const auto seen = app_calls(run.out);
  EXPECT_EQ(names(seen.at(calls[0])), "DIALTONE DIALING PROCEEDING RINGBACK CONNECTED IDLE");
  EXPECT_EQ(names(seen.at(calls[1])), "DIALTONE DIALING PROCEEDING BUSY IDLE");
  // The busy call's last messages came while the modal box was up.
  EXPECT_NE(run.out.find("state=IDLE mode=0x0 priv=0x0 (inside the busy box)"), std::string::npos) << run.describe();
  EXPECT_NE(run.out.find("callback depth reached 2"), std::string::npos) << run.describe();
  // The scenario saw the call CONNECTED and dropped, and the busy one, and nothing was left over.
  EXPECT_EQ(server->stop(), 0) << server->describe();
  EXPECT_NE(server->out().find("expectations: 4 passed, 0 failed"), std::string::npos) << server->describe();
  EXPECT_NE(server->out().find(", 0 cleared at end of run"), std::string::npos) << server->describe();
}

// Pulse dialling end to end: the same TAPI 1.4 dialler given dialable strings that ask for pulses
// ("P202", and "p203" in lower case, which TAPI's dialable format allows) reaches the numbers
// after the P: the switch outpulses 202 and 203, 202 answers and 203 is busy, as with tones. The
// program's LINE_CALLSTATEs are the server's, and the scenario's expectations hold.
TEST_F(Tapi32UnderWine, APulseDialledNumberReachesTheExtensionItNames) {
  auto server = start_server("tapi32-dial.yaml");
  ServerWatch watch(server->port());
  ASSERT_TRUE(watch.ok());
  const AppRun run = run_app("dialer14.exe", {"--line", "201", "--auto-close", "P202", "p203"}, server->port());
  EXPECT_EQ(run.status, 0) << run.describe();
  EXPECT_NE(run.out.find("PASS: dialer14"), std::string::npos) << run.describe();
  const auto calls = check_against_server(run, watch);
  ASSERT_EQ(calls.size(), 2u) << run.describe();
  const auto seen = app_calls(run.out);
  const auto reached = [](const std::vector<std::pair<std::string, unsigned>>& s, const std::string& state) {
    return std::any_of(s.begin(), s.end(), [&](const auto& x) { return x.first == state; });
  };
  EXPECT_TRUE(reached(seen.at(calls[0]), "CONNECTED")) << run.describe();
  EXPECT_TRUE(reached(seen.at(calls[1]), "BUSY")) << run.describe();
  // The switch took the digits after the P as the numbers dialled (the calls' called IDs), rang
  // 202 with a call from 201 and linked the program's call to it.
  for (std::size_t i = 0; i < 2; ++i) {
    const std::string number = i == 0 ? "202" : "203";
    EXPECT_TRUE(watch.wait([&](const json& f) {
      return f.value("event", "") == "call_info" && f.value("call", "") == calls[i] && f.value("to", "") == number;
    })) << calls[i] << "'s called number is not " << number;
  }
  EXPECT_TRUE(watch.wait([](const json& f) {
    return f.value("event", "") == "new_call" && f.value("line", "") == "202" && f.value("from", "") == "201";
  })) << "no call from 201 rang 202";
  EXPECT_TRUE(watch.wait([&](const json& f) {
    return f.value("event", "") == "call_info" && f.value("call", "") == calls[0] && f.contains("connected") &&
           f["connected"] == "202";
  })) << "the program's call was not linked to 202";
  EXPECT_EQ(server->stop(), 0) << server->describe();
  EXPECT_NE(server->out().find("expectations: 4 passed, 0 failed"), std::string::npos) << server->describe();
  EXPECT_NE(server->out().find(", 0 cleared at end of run"), std::string::npos) << server->describe();
}

// The second half of the "Done when", and the second program: a Unicode TAPI 2.x program
// (lineInitializeExW, the event handle, lineGetMessage on a worker thread) answers two calls the
// scenario places on 202 and watches a call on 201 with monitor privilege. LINE_APPNEWCALL gives
// each handle with its privilege, the first LINE_CALLSTATE repeats it in dwParam3, a monitor may
// not answer (NOTOWNER) and sees no features, and lineShutdown from the main thread ends the
// worker's lineGetMessage.
void answer_test(Tapi32UnderWine& t, int bits);
TEST_F(Tapi32UnderWine, AUnicodeEventHandleProgramAnswersOneLineAndMonitorsAnother) { answer_test(*this, 64); }

// ... and its 32-bit build: the "Done when" for 32-bit programs.
TEST_F(Tapi32UnderWine, TheThirtyTwoBitBuildOfTheAnsweringProgramDoesTheSame) {
  if (const std::string why = no_32_bit(); !why.empty()) GTEST_SKIP() << why;
  answer_test(*this, 32);
}

void answer_test(Tapi32UnderWine& t, int bits) {
  auto server = t.start_server("tapi32-answer.yaml");
  ServerWatch watch(server->port());
  ASSERT_TRUE(watch.ok());
  t.setup_prefix(server->port());
  const AppRun run =
      t.run_app("answerw.exe", {"--answer", "202", "--monitor", "201", "--answers", "2", "--monitored", "1"}, 0, bits);
  EXPECT_EQ(run.status, 0) << run.describe();
  EXPECT_NE(run.out.find("PASS: answerw"), std::string::npos) << run.describe();
  const auto calls = t.check_against_server(run, watch);
  ASSERT_EQ(calls.size(), 3u) << run.describe();
  std::map<std::string, std::string> line_of, priv_of;
  for (auto& f : lines_of(run.out, "CALLSTATE")) {
    if (!line_of.count("c" + f["id"])) priv_of["c" + f["id"]] = f["priv"];
    line_of["c" + f["id"]] = f["line"];
  }
  const auto seen = app_calls(run.out);
  int answered = 0, monitored = 0;
  for (const auto& c : calls) {
    if (line_of[c] == "answer") {
      // The scenario's 203 hangs up: the program's call passes through DISCONNECTED before it drops it.
      EXPECT_EQ(names(seen.at(c)), "OFFERING CONNECTED DISCONNECTED IDLE") << c;
      ++answered;
      EXPECT_EQ(priv_of[c], "0x4") << c << ": the owner's first LINE_CALLSTATE carries OWNER";
    } else {
      // 201 hangs up itself (hangup_after): lineDrop's straight-to-IDLE, as the monitor sees it.
      EXPECT_EQ(names(seen.at(c)), "OFFERING CONNECTED IDLE") << c;
      ++monitored;
      EXPECT_EQ(priv_of[c], "0x2") << c << ": the monitor's first LINE_CALLSTATE carries MONITOR";
    }
  }
  EXPECT_EQ(answered, 2);
  EXPECT_EQ(monitored, 1);
  EXPECT_EQ(lines_of(run.out, "APPNEWCALL").size(), 3u) << run.describe();
  EXPECT_NE(run.out.find("MONITOR lineAnswer refused: NOTOWNER"), std::string::npos) << run.describe();
  EXPECT_NE(run.out.find("worker: lineGetMessage says the application is gone"), std::string::npos) << run.describe();
  EXPECT_EQ(server->stop(), 0) << server->describe();
  EXPECT_NE(server->out().find("expectations: 5 passed, 0 failed"), std::string::npos) << server->describe();
  EXPECT_NE(server->out().find(", 0 cleared at end of run"), std::string::npos) << server->describe();
}

// The completion-port program: every message is a LINEMESSAGE TAPI posted to the
// program's port with its key, freed with LocalFree; it dials and hangs up like the dialler.
TEST_F(Tapi32UnderWine, ACompletionPortProgramGetsEveryMessageThroughItsPort) {
  auto server = start_server("tapi32-dial.yaml");
  ServerWatch watch(server->port());
  ASSERT_TRUE(watch.ok());
  const AppRun run = run_app("cport.exe", {"--line", "201", "202", "203"}, server->port());
  EXPECT_EQ(run.status, 0) << run.describe();
  EXPECT_NE(run.out.find("PASS: cport"), std::string::npos) << run.describe();
  const auto calls = check_against_server(run, watch);
  ASSERT_EQ(calls.size(), 2u) << run.describe();
  const auto seen = app_calls(run.out);
  EXPECT_EQ(names(seen.at(calls[0])), "DIALTONE DIALING PROCEEDING RINGBACK CONNECTED IDLE");
  EXPECT_EQ(names(seen.at(calls[1])), "DIALTONE DIALING PROCEEDING BUSY IDLE");
  EXPECT_EQ(lines_of(run.out, "REPLY").size(), 4u) << run.describe();
  EXPECT_EQ(server->stop(), 0) << server->describe();
  EXPECT_NE(server->out().find("expectations: 4 passed, 0 failed"), std::string::npos) << server->describe();
}

// TAPI's agent functions (docs/wine.md, "Agents and queues"): a TAPI 2.2 agent desktop takes
// its agent's capabilities (W, and A for 2.0: the 2.0 fixed part, ANSI), groups (ANSI; a list too
// small: the fixed part and dwNeededSize), the queues and a queue's figures, goes READY (its
// LINE_REPLY, then LINE_AGENTSTATUS STATE), sets an activity (named in its UTF-16 status and ANSI
// list), goes NOTREADY; BUSYACD is refused at once, a line without an agent by the switch.
// tapi32 hands each to telsim.tsp as a LINEPROXYREQUEST (TELSIM_lineProxyRequest). While READY it
// takes a queue call, as an agent does: its caller line (201) dials the pilot, the queue offers
// 601 the call (LINE_APPNEWCALL, OFFERING with dwParam3 OWNER), the desk answers (BUSYACD), the
// caller hangs up and the desk drops its DISCONNECTED call, then wraps up and is READY again.
// Both calls' LINE_CALLSTATEs are the server's.
TEST_F(Tapi32UnderWine, AnAgentDesktopSetsItsStateAndReadsItsGroupsAndQueues) {
  auto server = start_server("agents.yaml");
  ServerWatch watch(server->port());
  ASSERT_TRUE(watch.ok());
  const AppRun run = run_app("agentapp.exe", {"--agent", "601", "--other", "203", "--caller", "201"}, server->port());
  EXPECT_EQ(run.status, 0) << run.describe();
  EXPECT_NE(run.out.find("PASS: agentapp"), std::string::npos) << run.describe();
  // The queue call: the caller's and the agent's calls went through the server's states.
  const auto calls = check_against_server(run, watch);
  ASSERT_EQ(calls.size(), 2u) << run.describe();
  std::map<std::string, std::string> line_of, first_priv;
  for (auto& f : lines_of(run.out, "CALLSTATE")) {
    if (!line_of.count("c" + f["id"])) first_priv["c" + f["id"]] = f["priv"];
    line_of["c" + f["id"]] = f["line"];
  }
  const auto seen = app_calls(run.out);
  for (const auto& c : calls) {
    if (line_of[c] == "agent") {
      // Offered by the queue, answered; the caller hung up, the agent dropped it.
      EXPECT_EQ(names(seen.at(c)), "OFFERING CONNECTED DISCONNECTED IDLE") << c << "\n" << run.describe();
      EXPECT_EQ(first_priv[c], "0x4") << c << ": the agent's first LINE_CALLSTATE carries OWNER";
      // The server offered it to 601 from the queue's pilot.
      EXPECT_TRUE(watch.wait([&](const json& f) {
        return f.value("event", "") == "new_call" && f.value("call", "") == c && f.value("line", "") == "601" &&
               f.value("queue", "") == "sales";
      })) << c << " is not the queue's call to 601";
    } else {
      EXPECT_EQ(line_of[c], "caller") << run.describe();
      EXPECT_EQ(seen.at(c).back().first, "IDLE") << run.describe();
    }
  }
  EXPECT_EQ(lines_of(run.out, "APPNEWCALL").size(), 1u) << run.describe();
  EXPECT_NE(run.out.find("STATUS on the call state=0x8"), std::string::npos) << "BUSYACD on the call\n" << run.describe();
  EXPECT_NE(run.out.find("CAPS info='telsim ACD, agent 601'"), std::string::npos) << run.describe();
  EXPECT_NE(run.out.find("GROUP id=1 name='sales'"), std::string::npos) << run.describe();
  EXPECT_NE(run.out.find("QUEUE id=1 name='sales'"), std::string::npos) << run.describe();
  EXPECT_NE(run.out.find("STATUS state=0x4"), std::string::npos) << run.describe();
  EXPECT_NE(run.out.find("STATUS activity=2 name='Training'"), std::string::npos) << run.describe();
  EXPECT_NE(run.out.find("ACTIVITY id=1 name='Lunch'"), std::string::npos) << run.describe();
  EXPECT_NE(run.out.find("AGENTSTATUS line=agent p1=0 p2="), std::string::npos) << run.describe();
  EXPECT_EQ(server->stop(), 0) << server->describe();
}

// Several programs at once, in several processes (each with its own tapi32.dll, provider instance
// and server connection): a dialler owns 201 while a call logger (another process) monitors it.
// The logger hears of the dialler's call with MONITOR and may not drop it; the dialler may not
// step down to monitor while it is the only owner anywhere (INVALCALLSTATE, which only the server
// knows), hands the call off to the logger by its file name (lineHandoff returns 0, the dialler
// stays an owner), then steps down (0) and may no longer drop it. The logger gets LINE_CALLSTATE
// with dwParam3 OWNER, hangs up, and both deallocate at IDLE; the server deallocates the call
// once both have let go. `logger_bits`: the logger's build (a 32-bit logger beside a 64-bit
// dialler, as sites mix them).
void share_test(Tapi32UnderWine& t, int logger_bits);
TEST_F(Tapi32UnderWine, TwoProcessesShareALineAndOneHandsItsCallToTheOtherByName) { share_test(*this, 64); }
TEST_F(Tapi32UnderWine, AThirtyTwoBitLoggerSharesTheLineWithASixtyFourBitDialler) {
  if (const std::string why = no_32_bit(); !why.empty()) GTEST_SKIP() << why;
  share_test(*this, 32);
}

void share_test(Tapi32UnderWine& t, int logger_bits) {
  auto server = t.start_server("tapi32-share.yaml");
  ServerWatch watch(server->port());
  ASSERT_TRUE(watch.ok());
  t.setup_prefix(server->port());
  const auto place = [&](const std::string& exe, int bits) {
    const std::string folder = bits == 32 ? "apps32" : "apps";
    const fs::path apps = fs::path(TELSIM_TAPI32_PREFIX) / "drive_c" / folder;
    fs::create_directories(apps);
    fs::copy_file(fs::path(bits == 32 ? TELSIM_TSP_BIN32 : TELSIM_TSP_BIN) / "mproc.exe", apps / exe,
                  fs::copy_options::overwrite_existing);
    return "C:\\" + folder + "\\" + exe;
  };
  const std::string logger = place("mplog.exe", logger_bits), dialer = place("mpdial.exe", 64);
  const fs::path log_out = t.dir_.path() / "mplog.out", dial_out = t.dir_.path() / "mpdial.out";
  // Both under one wineserver (one prefix, one display): the logger in the background, the
  // dialler waiting for its "ready" event; the wineserver ends once both have.
  const std::string script =
      "\"$0\" \"$1\" --logger 201 > \"$3\" & l=$!; "
      "\"$0\" \"$2\" --dialer 201 --to 202 --handoff-to mplog.exe > \"$4\"; d=$?; wait $l; lr=$?; "
      "wineserver -k; echo \"logger exit $lr, dialer exit $d\"; [ $lr -eq 0 ] && [ $d -eq 0 ]";
  const AppRun run = run_process(t.dir_.path(), "share", {TELSIM_XVFB_RUN, "-a", "-s", "-screen 0 800x600x24", "sh", "-c", script,
                                                         TELSIM_WINE, logger, dialer, log_out.string(), dial_out.string()},
                                 {{"WINEPREFIX", TELSIM_TAPI32_PREFIX}, {"WINEDLLOVERRIDES", "mscoree,mshtml="}});
  AppRun log, dial;
  log.out = cli_test::read_file(log_out);
  dial.out = cli_test::read_file(dial_out);
  const std::string both = "--- logger ---\n" + log.out + "--- dialer ---\n" + dial.out + run.describe();
  EXPECT_EQ(run.status, 0) << both;
  EXPECT_NE(log.out.find("PASS: logger"), std::string::npos) << both;
  EXPECT_NE(dial.out.find("PASS: dialer"), std::string::npos) << both;
  // The dialler saw its call as the server did.
  const auto calls = t.check_against_server(dial, watch);
  ASSERT_EQ(calls.size(), 1u) << both;
  const auto dialled = app_calls(dial.out);
  EXPECT_EQ(names(dialled.at(calls[0])), "DIALTONE DIALING PROCEEDING RINGBACK CONNECTED IDLE") << both;
  // The logger saw the same call, from its first state on, as a monitor until the handoff.
  const auto states = lines_of(log.out, "CALLSTATE");
  ASSERT_FALSE(states.empty()) << both;
  EXPECT_EQ("c" + states.front().at("id"), calls[0]) << both;
  EXPECT_EQ(states.front().at("priv"), "0x2") << "the logger's first LINE_CALLSTATE carries MONITOR\n" << both;
  const auto owner = std::find_if(states.begin(), states.end(), [](auto& f) { return f.at("priv") == "0x4"; });
  ASSERT_NE(owner, states.end()) << "no LINE_CALLSTATE with dwParam3 OWNER in the logger\n" << both;
  EXPECT_EQ(owner->at("state"), "CONNECTED") << both;
  EXPECT_EQ(lines_of(log.out, "APPNEWCALL").size(), 1u) << both;
  for (const char* step : {"lineDrop as a monitor ok: = NOTOWNER", "became an owner by handoff"})
    EXPECT_NE(log.out.find(step), std::string::npos) << step << "\n" << both;
  for (const char* step : {"lineSetCallPrivilege(MONITOR) as the only owner ok: = INVALCALLSTATE",
                           "lineHandoff to the logger by name ok: = 0", "lineSetCallPrivilege(MONITOR) with another owner ok: = 0",
                           "lineDrop as a monitor ok: = NOTOWNER", "lineDeallocateCall at IDLE ok: = 0"})
    EXPECT_NE(dial.out.find(step), std::string::npos) << step << "\n" << both;
  // The server heard the logger's client drop it (its request), and freed the call.
  EXPECT_EQ(server->stop(), 0) << server->describe();
  EXPECT_NE(server->out().find("expectations: 2 passed, 0 failed"), std::string::npos) << server->describe();
  EXPECT_NE(server->out().find(", 0 cleared at end of run"), std::string::npos) << server->describe();
}

// Data calls as Unimodem programs prepare them: on a modem's line, lineGetDevConfig and
// lineSetDevConfig exchange a Unimodem DEVCFG (set, then got back unchanged), and
// lineGetID("comm/datamodem") gives a fresh overlapped handle to the modem's pseudo-terminal
// each time, which Wine makes a serial port (GetCommState works on it).
TEST_F(Tapi32UnderWine, AModemLinesDevConfigRoundTripsAndCommDatamodemGivesAUsablePort) {
  const fs::path pty = dir_.path() / "modem400";
  const fs::path yaml = dir_.path() / "tapi32-modem.yaml";
  cli_test::write_file(yaml, "name: tapi32-modem\nseed: 1\npbx:\n  extensions:\n    - {number: \"201\", name: Front desk}\n"
                             "modems:\n  - {name: m1, number: \"400\", pty: \"" + pty.string() + "\"}\n");
  auto server = std::make_unique<ServeProcess>(dir_.path(), std::vector<std::string>{yaml.string(), "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(server->wait_listening()) << server->describe();
  const AppRun run = run_app("datamodem.exe", {"modem 400", "extension 201"}, server->port());
  EXPECT_EQ(run.status, 0) << run.describe();
  EXPECT_NE(run.out.find("PASS: datamodem"), std::string::npos) << run.describe();
  EXPECT_EQ(server->stop(), 0) << server->describe();
}

// Data calls as Unimodem programs make them: the program owns the modem's line (DATAMODEM),
// lineMakeCall has the modem dial a data modem on the PSTN (no AT command from the program),
// LINE_CALLSTATE CONNECTED comes once the carriers are up (after the server's own CONNECTED
// and its modem_state online), and lineGetID("comm/datamodem") on the call gives a port in
// online data mode: the far modem's banner is read there with no result code among it, and what
// the program writes reaches the far modem (which echoes it). lineDrop hangs up: IDLE, and the
// server ends with no call left. The port is named as Unimodem names it, COMn: `telsim
// wine-setup` run against the server mapped one onto the modem's pty, and the program reopens
// it by that name (\\.\COMn) and moves data through it again.
TEST_F(Tapi32UnderWine, AUnimodemStyleProgramMakesADataCallAndMovesDataThroughThePort) { data_call(64); }

// The same from the 32-bit build: its telsim.tsp (syswow64) finds the COM port in the 64-bit
// registry view, where wine-setup wrote HKLM\Software\Wine\Ports.
TEST_F(Tapi32UnderWine, TheThirtyTwoBitBuildOfTheDataProgramGetsTheCOMPortToo) {
  if (const std::string why = no_32_bit(); !why.empty()) GTEST_SKIP() << why;
  data_call(32);
}

// The same from a program of TAPI 1.4, which negotiates exactly 0x10004 on the modem's line (as
// the data programs of Windows 95 do): it is served the same, and LINE_CALLSTATE's dwParam3 is
// the privilege (0: unchanged), never the media mode the provider reports there.
TEST_F(Tapi32UnderWine, AProgramThatNegotiatesExactlyTapi14MakesTheSameDataCall) { data_call(64, 0x00010004); }

// Both ends of a data call in a program of TAPI 1.4: it owns two modems' lines, dials the second
// from the first and answers there. A 1.4 program gets no LINE_APPNEWCALL: it hears of the call
// by its first LINE_CALLSTATE (OFFERING), whose dwParam3 is its privilege, OWNER, and not the
// call's media mode (DATAMODEM, which the provider's LINE_CALLSTATE carries in that place). The
// modems train and carry data both ways; the caller hangs up, the answered call goes
// DISCONNECTED and the program drops it. Both calls' states are the server's.
TEST_F(Tapi32UnderWine, ATapi14DataProgramAnswersAModemCallAndGetsOwnerInDwParam3) {
  const fs::path yaml = dir_.path() / "tapi32-modems.yaml";
  cli_test::write_file(yaml, "name: tapi32-modems\nseed: 1\npbx:\n  extensions:\n    - {number: \"201\", name: Front desk}\n"
                             "modems:\n  - {name: m1, number: \"400\", handshake: 1s, pty: \"" + (dir_.path() / "modem400").string() +
                             "\"}\n  - {name: m2, number: \"401\", handshake: 1s, pty: \"" + (dir_.path() / "modem401").string() + "\"}\n");
  auto server = std::make_unique<ServeProcess>(dir_.path(), std::vector<std::string>{yaml.string(), "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(server->wait_listening()) << server->describe();
  ServerWatch watch(server->port());
  ASSERT_TRUE(watch.ok());
  const AppRun run = run_app("datamodem.exe", {"--api", "0x10004", "modem 400", "extension 201", "401", "answer", "modem 401"},
                             server->port());
  EXPECT_EQ(run.status, 0) << run.describe();
  EXPECT_NE(run.out.find("PASS: datamodem"), std::string::npos) << run.describe();
  EXPECT_NE(run.out.find("version=0x10004 name="), std::string::npos) << run.describe();
  EXPECT_TRUE(lines_of(run.out, "APPNEWCALL").empty()) << "a TAPI 1.4 program got LINE_APPNEWCALL\n" << run.describe();
  const auto calls = check_against_server(run, watch);
  ASSERT_EQ(calls.size(), 2u) << run.describe();
  std::map<std::string, std::vector<std::string>> privs;
  for (auto& f : lines_of(run.out, "CALLSTATE")) privs["c" + f["id"]].push_back(f["priv"]);
  const auto seen = app_calls(run.out);
  const std::string dialled = calls[0], answered = calls[1];
  EXPECT_EQ(seen.at(answered).front().first, "OFFERING") << run.describe();
  EXPECT_EQ(privs[answered].front(), "0x4") << "the first LINE_CALLSTATE of the answered call carries OWNER\n" << run.describe();
  for (std::size_t i = 1; i < privs[answered].size(); ++i) EXPECT_EQ(privs[answered][i], "0x0") << run.describe();
  for (const auto& p : privs[dialled]) EXPECT_EQ(p, "0x0") << "the dialled call's privilege never changed\n" << run.describe();
  EXPECT_EQ(seen.at(answered).back().first, "IDLE") << run.describe();
  EXPECT_EQ(seen.at(dialled).back().first, "IDLE") << run.describe();
  // The server's modems went online, and the call the program answered was the one it dialled.
  for (const char* modem : {"400", "401"})
    EXPECT_TRUE(watch.wait([&](const json& f) {
      return f.value("event", "") == "modem_state" && f.value("line", "") == modem && f.value("state", "") == "online";
    })) << "modem " << modem << " never went online";
  EXPECT_TRUE(watch.wait([&](const json& f) {
    return f.value("event", "") == "new_call" && f.value("call", "") == answered && f.value("line", "") == "401" &&
           f.value("from", "") == "400";
  })) << "the answered call is not the server's call from 400 on 401";
  EXPECT_EQ(server->stop(), 0) << server->describe();
  EXPECT_NE(server->out().find(", 0 cleared at end of run"), std::string::npos) << server->describe();
}

void Tapi32UnderWine::data_call(int bits, unsigned api) {
  const fs::path pty = dir_.path() / "modem400";
  const fs::path yaml = dir_.path() / "tapi32-datacall.yaml";
  cli_test::write_file(yaml, "name: tapi32-datacall\nseed: 1\npbx:\n  extensions:\n    - {number: \"201\", name: Front desk}\n"
                             "trunks:\n  - name: pstn\n    channels: 2\n    access_code: \"9\"\n    number_length: 7\n"
                             "    far_end: {answer_after: 1s, modem: {speed: 14400, echo: true, banner: \"Welcome\\r\\n\"}}\n"
                             "modems:\n  - {name: m1, number: \"400\", handshake: 1s, pty: \"" + pty.string() + "\"}\n");
  auto server = std::make_unique<ServeProcess>(dir_.path(), std::vector<std::string>{yaml.string(), "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(server->wait_listening()) << server->describe();
  // wine-setup asks the server for its modems and maps a COM port (from COM5) onto m1's pty.
  const cli_test::Result setup = cli_test::run_telsim("wine-setup " + cli_test::quote(TELSIM_TAPI32_PREFIX) +
                                                      " --server 127.0.0.1:" + std::to_string(server->port()));
  ASSERT_EQ(setup.status, 0) << setup.out << setup.err;
  const std::string said = ": modem m1 (line 400) -> " + pty.string();
  const auto at = setup.out.find(said);
  ASSERT_NE(at, std::string::npos) << setup.out;
  const std::string com = setup.out.substr(setup.out.rfind("COM", at), at - setup.out.rfind("COM", at));
  ASSERT_GE(std::stoi(com.substr(3)), 5) << setup.out;
  std::error_code ec;
  std::string lower = com;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return std::tolower(ch); });
  EXPECT_EQ(fs::read_symlink(fs::path(TELSIM_TAPI32_PREFIX) / "dosdevices" / lower, ec), pty) << setup.out;
  ServerWatch watch(server->port());
  ASSERT_TRUE(watch.ok());
  std::vector<std::string> args{"modem 400", "extension 201", "95551234"};
  if (api) args.insert(args.begin(), {"--api", hex(api)});
  const AppRun run = run_app("datamodem.exe", args, server->port(), bits);
  EXPECT_EQ(run.status, 0) << run.describe();
  EXPECT_NE(run.out.find("PASS: datamodem"), std::string::npos) << run.describe();
  // The version it negotiated on the modem's line is the one it asked for.
  if (api) {
    EXPECT_NE(run.out.find("version=" + hex(api) + " name="), std::string::npos) << run.describe();
  }
  // Its call went through the server's states, in order; dwParam3 of each LINE_CALLSTATE is 0
  // (lineMakeCall gave the handle: the privilege never changed), not the media mode DATAMODEM.
  const auto calls = check_against_server(run, watch);
  ASSERT_EQ(calls.size(), 1u) << run.describe();
  for (auto& f : lines_of(run.out, "CALLSTATE")) EXPECT_EQ(f["priv"], "0x0") << f["_text"];
  // Unimodem's name, the COM port, on the line and on the call; the program reopens it by that
  // name (\\.\COMn) and moves data through it again.
  EXPECT_EQ(count_of(run.out, "name=" + com + "\n"), 3) << run.describe();
  EXPECT_NE(run.out.find("REOPEN path=\\\\.\\" + com + " ok"), std::string::npos) << run.describe();
  EXPECT_NE(run.out.find("ok: the reopened port moves data"), std::string::npos) << run.describe();
  std::vector<std::string> states;
  for (auto& f : lines_of(run.out, "CALLSTATE")) states.push_back(f["state"]);
  ASSERT_FALSE(states.empty()) << run.describe();
  EXPECT_EQ(std::count(states.begin(), states.end(), "CONNECTED"), 1) << run.describe();
  EXPECT_EQ(states.back(), "IDLE") << run.describe();
  // The server's CONNECTED came first; the program's waited for the carriers. They trained at
  // 9600, not the far modem's 14400: the DEVCFG the program set first (its round trip) has that
  // DTE rate, and it configured the modem.
  EXPECT_TRUE(watch.wait([](const json& f) {
    return f.value("event", "") == "modem_state" && f.value("line", "") == "400" && f.value("state", "") == "online" &&
           f.value("speed", 0) == 9600;
  })) << "no modem_state online at 9600 for m1";
  EXPECT_TRUE(watch.wait([](const json& f) {
    return f.value("event", "") == "modem_state" && f.value("line", "") == "400" && f.value("state", "") == "idle";
  })) << "m1 did not hang up";
  EXPECT_EQ(server->stop(), 0) << server->describe();
  EXPECT_NE(server->out().find(", 0 cleared at end of run"), std::string::npos) << server->describe();
}

// Unimodem's LINEBEARERMODE_PASSTHROUGH, and a DEVCFG that configures the simulated modem. The
// program sets a DEVCFG (9600 bit/s, speaker off, loud, blind dialling, 30 s call set-up) and
// gets it back; dwBearerModes has PASSTHROUGH on the modem's line only (the voice line's
// lineMakeCall with it: INVALBEARERMODE); lineMakeCall(NULL, PASSTHROUGH) goes CONNECTED at once
// and the program talks to the modem itself through lineGetID's port: ATI3, AT&V showing the
// DEVCFG's settings, and ATDT to the PSTN's data modem (14400 bit/s), which connects at the
// DEVCFG's 9600. lineDrop: IDLE, and the modem hangs up. The server shows the same: the modem's
// modem_config is the DEVCFG's, it went online at 9600 and back to idle, and the program's only
// call (CONNECTED, IDLE) was never a call of the switch (the modem's own ATDT call was, and TAPI
// did not get it).
TEST_F(Tapi32UnderWine, PassthroughHandsTheProgramTheModemWhichItsDevConfigConfigured) { passthrough(64); }

// The same from the 32-bit build (its DEVCFG, COMMCONFIG and MODEMSETTINGS laid out by a
// 32-bit compiler).
TEST_F(Tapi32UnderWine, TheThirtyTwoBitBuildOfThePassthroughProgramDoesTheSame) {
  if (const std::string why = no_32_bit(); !why.empty()) GTEST_SKIP() << why;
  passthrough(32);
}

void Tapi32UnderWine::passthrough(int bits) {
  const fs::path pty = dir_.path() / "modem400";
  const fs::path yaml = dir_.path() / "tapi32-passthrough.yaml";
  cli_test::write_file(yaml, "name: tapi32-passthrough\nseed: 1\npbx:\n  extensions:\n    - {number: \"201\", name: Front desk}\n"
                             "trunks:\n  - name: pstn\n    channels: 2\n    access_code: \"9\"\n    number_length: 7\n"
                             "    far_end: {answer_after: 1s, modem: {speed: 14400, echo: true, banner: \"Welcome\\r\\n\"}}\n"
                             "modems:\n  - {name: m1, number: \"400\", handshake: 1s, pty: \"" + pty.string() + "\"}\n");
  auto server = std::make_unique<ServeProcess>(dir_.path(), std::vector<std::string>{yaml.string(), "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(server->wait_listening()) << server->describe();
  ServerWatch watch(server->port());
  ASSERT_TRUE(watch.ok());
  const AppRun run = run_app("datamodem.exe", {"modem 400", "extension 201", "95551234", "passthrough"}, server->port(), bits);
  EXPECT_EQ(run.status, 0) << run.describe();
  EXPECT_NE(run.out.find("PASS: datamodem"), std::string::npos) << run.describe();
  EXPECT_NE(run.out.find("CONNECT 9600"), std::string::npos) << run.describe();
  std::vector<std::string> states;
  for (auto& f : lines_of(run.out, "CALLSTATE")) states.push_back(f["state"]);
  EXPECT_EQ(states, (std::vector<std::string>{"CONNECTED", "IDLE"})) << run.describe();
  // The program has ended: the server has done what it asked. A request of the test's own then
  // comes after every event of that, and its reply says what the modem has now.
  watch.ask(json{{"id", 90}, {"op", "modem_config"}, {"line", "400"}});
  ASSERT_TRUE(watch.wait([](const json& f) { return f.value("id", 0) == 90; }));
  const std::vector<json> frames = watch.frames();
  std::set<std::string> calls_on_400;
  int online_at = -1, idle_after = -1;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const json& f = frames[i];
    if (f.value("event", "") == "new_call" && f.value("line", "") == "400") calls_on_400.insert(f.value("call", ""));
    if (f.value("event", "") != "modem_state" || f.value("line", "") != "400") continue;
    if (f.value("state", "") == "online" && f.value("speed", 0) == 9600 && online_at < 0) online_at = static_cast<int>(i);
    if (f.value("state", "") == "idle" && online_at >= 0 && idle_after < 0) idle_after = static_cast<int>(i);
  }
  // The modem went online at the DEVCFG's rate, and lineDrop hung it up.
  EXPECT_GE(online_at, 0) << "no modem_state online at 9600 for m1";
  EXPECT_GT(idle_after, online_at) << "m1 did not hang up";
  // The switch had one call on 400: the modem's own, dialled by the program's ATDT.
  EXPECT_EQ(calls_on_400.size(), 1u);
  // What the DEVCFG set is the modem's.
  for (const json& f : frames) {
    if (f.value("id", 0) != 90) continue;
    EXPECT_TRUE(f.value("ok", false)) << f.dump();
    EXPECT_EQ(f.value("dte_rate", 0), 9600) << f.dump();
    EXPECT_EQ(f.value("max_speed", 0), 9600) << f.dump();
    EXPECT_EQ(f.value("speaker", -1), 0) << f.dump();
    EXPECT_EQ(f.value("volume", -1), 3) << f.dump();
    EXPECT_EQ(f.value("blind_dial", false), true) << f.dump();
    EXPECT_EQ(f.value("call_setup_timeout", 0), 30) << f.dump();
  }
  EXPECT_EQ(server->stop(), 0) << server->describe();
  EXPECT_NE(server->out().find(", 0 cleared at end of run"), std::string::npos) << server->describe();
}

// The conformance walker: every export of Windows' tapi32 called and checked against TAPI's
// rules; its table is docs/tapi32-conformance.md, and the test fails when the two differ (set
// TELSIM_UPDATE_DOCS=1 to write the new table there instead).
TEST_F(Tapi32UnderWine, TheConformanceWalkerChecksEveryExportAndMatchesTheTable) {
  auto server = start_server("tapi32-walk.yaml");
  ServerWatch watch(server->port());
  ASSERT_TRUE(watch.ok());
  const fs::path table = dir_.path() / "tapi32-conformance.md";
  std::string win = "Z:" + table.string();
  std::replace(win.begin(), win.end(), '/', '\\');
  const AppRun run = run_app("conform.exe", {win}, server->port());
  EXPECT_EQ(run.status, 0) << run.describe();
  EXPECT_NE(run.out.find("PASS: 278 exports and names, 0 failed"), std::string::npos) << run.describe();
  // Each application's LINE_CALLSTATEs of each call (the walker's owner application "a" and the
  // Unicode one "w", which monitors 202 and is handed a call) are the server's states of it. A
  // handoff's LINE_CALLSTATE repeats the call's state with the new privilege in dwParam3: TAPI's
  // news of the privilege, not a state of the call.
  std::map<std::string, std::vector<std::pair<std::string, unsigned>>> per_app;
  int handoffs = 0;
  for (auto& f : lines_of(run.out, "CALLSTATE")) {
    auto& seen = per_app[f["app"] + " c" + f["id"]];
    if (!seen.empty() && f["priv"] != "0x0" && seen.back().first == f["state"]) {
      ++handoffs;
      continue;
    }
    seen.emplace_back(f["state"], static_cast<unsigned>(std::stoul(f["mode"], nullptr, 16)));
  }
  EXPECT_EQ(handoffs, 1) << "lineHandoffW to the Unicode application: one LINE_CALLSTATE with its new privilege\n" << run.describe();
  EXPECT_EQ(per_app.count("a c0") + per_app.count("w c0"), 0u) << "a call whose dwCallID the walker could not read\n" << run.describe();
  EXPECT_GE(per_app.size(), 10u) << run.describe();
  hold_against_server(per_app, watch);
  const std::string written = cli_test::read_file(table);
  ASSERT_FALSE(written.empty()) << run.describe();
  const fs::path doc = fs::path(TELSIM_SOURCE_DIR) / "docs" / "tapi32-conformance.md";
  if (const char* u = std::getenv("TELSIM_UPDATE_DOCS"); u && std::string(u) == "1") cli_test::write_file(doc, written);
  EXPECT_EQ(written, cli_test::read_file(doc))
      << "docs/tapi32-conformance.md is not what the walker writes now: see " << table
      << " (TELSIM_UPDATE_DOCS=1 ctest -R Conformance writes it)";
  EXPECT_EQ(server->stop(), 0) << server->describe();
  EXPECT_NE(server->out().find(", 0 cleared at end of run"), std::string::npos) << server->describe();
}

}  // namespace
}  // namespace telsim::tapi32_test

// The AT interpreter and data pump of Modem, attached by ModemBank to a real Pbx on a
// ManualScheduler: what a terminal program sees on its serial port, byte for byte.
#include <gtest/gtest.h>

#include <numeric>
#include <string>

#include "models/pbx_fixture.hpp"
#include "telsim/models/modem.hpp"
#include "telsim/models/modem_bank.hpp"

namespace telsim::test {
namespace {

/// A terminal on one modem: keeps what the modem sent it, and what has not been looked at.
class Terminal final : public ModemObserver {
 public:
  void on_modem_output(const Modem&, std::string_view bytes) override {
    all += bytes;
    unread += bytes;
  }
  void on_modem_state(const Modem& m) override { dcd_changes.push_back(m.dcd()); }
  /// What arrived since the last take().
  std::string take() { return std::exchange(unread, {}); }
  std::string all;
  std::string unread;
  std::vector<bool> dcd_changes;
};

ModemConfig modem_config(std::string name, std::string number, std::uint32_t speed = 33600) {
  ModemConfig c;
  c.name = std::move(name);
  c.number = std::move(number);
  c.speed = speed;
  return c;
}

/// Two modems (m1 on 400 at 33600, m2 on 401 at 14400) and voice stations on one PBX.
class ModemTest : public ::testing::Test {
 protected:
  ModemTest()
      : world(std::vector<LineConfig>{manual("400"), manual("401"), manual("402"),
                                      station("201", auto_station(2s)),
                                      station("202", behavior(Behavior::Kind::Busy)),
                                      station("203", behavior(Behavior::Kind::NoAnswer)), manual("204")}),
        bank(world.pbx, world.sched,
             {modem_config("m1", "400"), modem_config("m2", "401", 14400), config_with_s0("m3", "402")}) {
    world.pbx.add_observer(&bank);
    m1().add_observer(&t1);
    m2().add_observer(&t2);
    m3().add_observer(&t3);
  }
  static ModemConfig config_with_s0(std::string name, std::string number) {
    ModemConfig c = modem_config(std::move(name), std::move(number), 28800);
    c.registers[0] = 2;  // answers on the second ring
    return c;
  }
  Modem& m1() { return *bank.find("m1"); }
  Modem& m2() { return *bank.find("m2"); }
  Modem& m3() { return *bank.find("m3"); }
  void run(Duration d) { world.sched.advance(d); }
  /// Type a line at the modem (with its CR) and return what it answers at once.
  std::string type(Modem& m, Terminal& t, const std::string& text) {
    t.take();
    m.from_dte(text);
    return t.take();
  }
  /// m1 calls m2 and both train: returns when both have said CONNECT.
  void connect_m1_m2() {
    type(m1(), t1, "ATE0\r");
    type(m2(), t2, "ATE0\r");
    type(m1(), t1, "ATD401\r");
    run(2s);
    ASSERT_EQ(t2.take(), "\r\nRING\r\n");
    type(m2(), t2, "ATA\r");
    run(3s);  // the handshake
    ASSERT_EQ(t1.take(), "\r\nCONNECT 14400\r\n");
    ASSERT_EQ(t2.take(), "\r\nCONNECT 14400\r\n");
  }

  World world;
  ModemBank bank;
  Terminal t1, t2, t3;
};

TEST_F(ModemTest, AtIsEchoedAndAnsweredOk) {
  EXPECT_EQ(type(m1(), t1, "AT\r"), "AT\r\r\nOK\r\n");
  EXPECT_EQ(type(m1(), t1, "at\r"), "at\r\r\nOK\r\n");
}

TEST_F(ModemTest, EchoOffVerboseOffAndQuietChangeTheAnswers) {
  EXPECT_EQ(type(m1(), t1, "ATE0\r"), "ATE0\r\r\nOK\r\n");  // echoed while E1 was in force
  EXPECT_EQ(type(m1(), t1, "AT\r"), "\r\nOK\r\n");
  EXPECT_EQ(type(m1(), t1, "ATV0\r"), "0\r");
  EXPECT_EQ(type(m1(), t1, "ATJ\r"), "4\r");
  EXPECT_EQ(type(m1(), t1, "ATQ1\r"), "");
  EXPECT_EQ(type(m1(), t1, "ATS7?\r"), "050\r\n");  // information text still comes
  // Z restores the stored profile (Q0 V1 E1), and its OK is already spoken that way.
  EXPECT_EQ(type(m1(), t1, "ATZ\r"), "\r\nOK\r\n");
  EXPECT_EQ(type(m1(), t1, "AT\r"), "AT\r\r\nOK\r\n");
}

TEST_F(ModemTest, UnimodemInitStringIsOneLineOfSpacedCommands) {
  EXPECT_EQ(type(m1(), t1, "AT &F E0 V1 &D2 &C1 W2 S95=47\r"), "AT &F E0 V1 &D2 &C1 W2 S95=47\r\r\nOK\r\n");
  EXPECT_EQ(m1().s_register(95), 47);
  EXPECT_EQ(type(m1(), t1, "ATS95?\r"), "\r\n047\r\n\r\nOK\r\n");
  EXPECT_EQ(type(m1(), t1, "AT&FE0V1X4&C1&D2S0=0\r"), "\r\nOK\r\n");  // and without spaces
  EXPECT_EQ(type(m1(), t1, "AT+FCLASS=0;+GMM\r"), "\r\ntelsim V.34 modem (33600 bps)\r\n\r\nOK\r\n");
}

TEST_F(ModemTest, UnknownCommandsAndOutOfRangeValuesAreErrors) {
  type(m1(), t1, "ATE0\r");
  for (const char* line : {"ATJ\r", "AT&Z\r", "ATX5\r", "ATE2\r", "ATS256=1\r", "ATS7=300\r", "AT+XYZ\r",
                           "AT+FCLASS=1\r", "ATS\r"}) {
    EXPECT_EQ(type(m1(), t1, line), "\r\nERROR\r\n") << line;
  }
  EXPECT_EQ(type(m1(), t1, "ATE1 Q0 V1 J\r"), "\r\nERROR\r\n");  // one bad command spoils the line
  EXPECT_EQ(m1().stats().errors, 10u);
}

TEST_F(ModemTest, RegistersAreSetReadAndRestoredByAmpersandF) {
  type(m1(), t1, "ATE0\r");
  EXPECT_EQ(type(m1(), t1, "ATS7=30 S8=4\r"), "\r\nOK\r\n");
  EXPECT_EQ(type(m1(), t1, "ATS7?S8?\r"), "\r\n030\r\n\r\n004\r\n\r\nOK\r\n");
  EXPECT_EQ(type(m1(), t1, "AT&F\r"), "\r\nOK\r\n");
  EXPECT_EQ(m1().s_register(7), 50);
  EXPECT_EQ(type(m1(), t1, "AT\r"), "AT\r\r\nOK\r\n");  // factory echo is on again
  type(m1(), t1, "ATE0 S10=20 &W\r");
  type(m1(), t1, "AT&F\r");
  EXPECT_EQ(m1().s_register(10), 14);
  type(m1(), t1, "ATZ\r");  // Z restores what &W stored
  EXPECT_EQ(m1().s_register(10), 20);
  EXPECT_EQ(type(m1(), t1, "A/"), "\r\nOK\r\n");  // A/ repeats the last line at once
}

TEST_F(ModemTest, ModemToModemBothConnectAtTheLowerRate) {
  connect_m1_m2();
  EXPECT_EQ(m1().state(), Modem::State::Online);
  EXPECT_EQ(m2().carrier_speed(), 14400u);
  EXPECT_TRUE(m1().dcd());
}

TEST_F(ModemTest, NumericConnectCodesFollowTheRockwellTable) {
  type(m1(), t1, "ATE0V0\r");
  type(m2(), t2, "ATE0V0\r");
  type(m1(), t1, "ATD401\r");
  run(2s);
  EXPECT_EQ(t2.take(), "2\r");
  type(m2(), t2, "ATA\r");
  run(3s);
  EXPECT_EQ(t1.take(), "15\r");  // CONNECT 14400
}

TEST_F(ModemTest, BytesArriveInOrderIntactAndPacedAtTheLineRate) {
  connect_m1_m2();
  std::string data;
  for (int i = 0; i < 1440; ++i) data += static_cast<char>('a' + i % 26);
  m1().from_dte(data);
  // 1440 bytes of 10 bits at 14400 bit/s take exactly one second.
  run(500ms);
  const std::size_t half = t2.unread.size();
  EXPECT_NEAR(static_cast<double>(half), 720.0, 8.0);
  run(499ms);
  EXPECT_LT(t2.unread.size(), data.size());
  run(2ms);
  EXPECT_EQ(t2.take(), data);
  EXPECT_EQ(m1().stats().bytes_sent, 1440u);
  EXPECT_EQ(m2().stats().bytes_received, 1440u);
  // And the other way, at the same time as more goes out.
  m2().from_dte("pong");
  m1().from_dte("ping");
  run(10ms);
  EXPECT_EQ(t1.take(), "pong");
  EXPECT_EQ(t2.take(), "ping");
}

TEST_F(ModemTest, EscapeWithGuardTimesGoesToOnlineCommandModeAndAtoReturns) {
  connect_m1_m2();
  run(1500ms);            // S12 = 1 s of silence before...
  m1().from_dte("+++");
  run(900ms);
  EXPECT_EQ(t1.take(), "");  // ...and after: not yet
  run(200ms);
  EXPECT_EQ(t1.take(), "\r\nOK\r\n");
  EXPECT_EQ(m1().state(), Modem::State::OnlineCommand);
  EXPECT_EQ(t2.take(), "+++");  // the far end got the pluses as data
  EXPECT_TRUE(m1().carrier());
  m2().from_dte("held");  // arrives while m1 is in command mode: kept for ATO
  run(100ms);
  EXPECT_EQ(type(m1(), t1, "ATO\r"), "\r\nCONNECT 14400\r\nheld");
  EXPECT_EQ(m1().stats().escapes, 1u);
}

TEST_F(ModemTest, PlusesWithoutTheGuardTimesAreJustData) {
  connect_m1_m2();
  m1().from_dte("x+++");  // no silence before the first '+'
  run(3s);
  m1().from_dte("+++y");  // data right after the third '+'
  run(3s);
  EXPECT_EQ(m1().state(), Modem::State::Online);
  EXPECT_EQ(t1.take(), "");
  EXPECT_EQ(t2.take(), "x++++++y");
  run(2s);
  m1().from_dte("++++");  // four pluses are not an escape either
  run(3s);
  EXPECT_EQ(m1().state(), Modem::State::Online);
  EXPECT_EQ(m1().stats().escapes, 0u);
}

TEST_F(ModemTest, HangingUpGivesTheFarModemNoCarrierAfterS10) {
  connect_m1_m2();
  run(1500ms);
  m1().from_dte("+++");
  run(1500ms);
  EXPECT_EQ(type(m1(), t1, "ATH\r"), "\r\nOK\r\n");
  EXPECT_EQ(m1().state(), Modem::State::Idle);
  EXPECT_EQ(t2.take(), "+++");
  run(1300ms);
  EXPECT_EQ(t2.take(), "");  // S10 = 1.4 s
  run(200ms);
  EXPECT_EQ(t2.take(), "\r\nNO CARRIER\r\n");
  EXPECT_FALSE(m2().dcd());
  EXPECT_TRUE(world.pbx.idle(world.line("400")));
  EXPECT_TRUE(world.pbx.idle(world.line("401")));
  EXPECT_TRUE(world.pbx.line(world.line("400")).calls.empty());  // handles released
  EXPECT_TRUE(world.pbx.line(world.line("401")).calls.empty());
  EXPECT_EQ(world.rec.records.size(), 2u);
}

TEST_F(ModemTest, DtrDropHangsUpUnderAmpersandD2AndIsIgnoredUnderD0) {
  connect_m1_m2();
  m1().set_dtr(false);
  EXPECT_EQ(t1.take(), "\r\nNO CARRIER\r\n");
  EXPECT_EQ(m1().state(), Modem::State::Idle);
  run(2s);
  EXPECT_EQ(t2.take(), "\r\nNO CARRIER\r\n");
  m1().set_dtr(true);

  connect_m1_m2();
  type(m1(), t1, "");
  run(1500ms);
  m1().from_dte("+++");
  run(1500ms);
  type(m1(), t1, "AT&D0O\r");
  m1().set_dtr(false);
  run(1s);
  EXPECT_EQ(m1().state(), Modem::State::Online);
  m1().set_dtr(true);
}

TEST_F(ModemTest, DtrDropUnderAmpersandD1EntersOnlineCommandMode) {
  type(m1(), t1, "AT&D1\r");
  connect_m1_m2();
  m1().set_dtr(false);
  EXPECT_EQ(t1.take(), "\r\nOK\r\n");
  EXPECT_EQ(m1().state(), Modem::State::OnlineCommand);
  EXPECT_TRUE(m1().carrier());
}

TEST_F(ModemTest, DcdFollowsCarrierUnderAmpersandC1AndIsAlwaysOnUnderC0) {
  EXPECT_FALSE(m1().dcd());
  type(m1(), t1, "AT&C0\r");
  EXPECT_TRUE(m1().dcd());
  type(m1(), t1, "AT&C1\r");
  EXPECT_FALSE(m1().dcd());
  connect_m1_m2();
  EXPECT_TRUE(m1().dcd());
}

TEST_F(ModemTest, AutoAnswerOnTheRingS0Names) {
  type(m1(), t1, "ATE0\r");
  type(m1(), t1, "ATD402\r");
  run(2s);
  EXPECT_EQ(t3.take(), "\r\nRING\r\n");
  EXPECT_EQ(m3().s_register(1), 1);
  run(6s);  // the next ring: S1 reaches S0 = 2
  EXPECT_EQ(t3.take(), "\r\nRING\r\n");
  EXPECT_EQ(m3().state(), Modem::State::Answering);
  run(3s);
  EXPECT_EQ(t3.take(), "\r\nCONNECT 28800\r\n");
  EXPECT_EQ(t1.take(), "\r\nCONNECT 28800\r\n");
  EXPECT_EQ(m3().stats().calls_answered, 1u);
}

TEST_F(ModemTest, VoiceAnswerGivesNoCarrierAfterS7) {
  type(m1(), t1, "ATE0 S7=20\r");
  type(m1(), t1, "ATD201\r");  // 201 answers after 2 s of ringing, and never whistles
  run(19s);
  EXPECT_EQ(t1.take(), "");
  EXPECT_EQ(world.state(world.newest_on("201")), CallState::Connected);
  run(2s);
  EXPECT_EQ(t1.take(), "\r\nNO CARRIER\r\n");
  EXPECT_TRUE(world.pbx.idle(world.line("400")));
}

TEST_F(ModemTest, BusyIsReportedAtX4AndNoCarrierAtX0) {
  type(m1(), t1, "ATE0\r");
  type(m1(), t1, "ATD202\r");
  run(3s);
  EXPECT_EQ(t1.take(), "\r\nBUSY\r\n");
  type(m1(), t1, "ATX0\r");
  type(m1(), t1, "ATD202\r");
  run(3s);
  EXPECT_EQ(t1.take(), "\r\nNO CARRIER\r\n");
  EXPECT_TRUE(world.pbx.line(world.line("400")).calls.empty());
}

TEST_F(ModemTest, RingbackUntilS7IsNoAnswer) {
  type(m1(), t1, "ATE0S7=10\r");
  type(m1(), t1, "ATD203\r");
  run(12s);
  EXPECT_EQ(t1.take(), "\r\nNO ANSWER\r\n");
  run(60s);
  EXPECT_TRUE(world.pbx.idle(world.line("203")));
}

TEST_F(ModemTest, CommaPausesForS8AndSemicolonStaysInCommandMode) {
  type(m1(), t1, "ATE0S8=3\r");
  type(m1(), t1, "ATD2,04;\r");
  const CallId call = world.newest_on("400");
  run(1s);
  EXPECT_EQ(world.pbx.find_call(call)->to, "2");
  run(2500ms);
  EXPECT_EQ(world.pbx.find_call(call)->to, "204");
  EXPECT_EQ(t1.take(), "\r\nOK\r\n");
  EXPECT_EQ(m1().state(), Modem::State::OffHook);
  run(3s);
  EXPECT_EQ(world.state(world.newest_on("204")), CallState::Offering);
  EXPECT_EQ(type(m1(), t1, "ATH\r"), "\r\nOK\r\n");
  EXPECT_TRUE(world.pbx.idle(world.line("400")));
}

TEST_F(ModemTest, AnAnswerDuringADialPauseConnectsAndDropsTheRestOfTheDialString) {
  // Found by the modem fuzzer: the pause ended after CONNECT and put the modem in command mode.
  type(m1(), t1, "ATE0S8=20\r");
  type(m1(), t1, "ATD402,5;\r");
  run(12s);  // m3 answers on ring 2, trains for 3 s
  EXPECT_EQ(t1.take(), "\r\nCONNECT 28800\r\n");
  run(20s);  // past the end of the pause
  EXPECT_EQ(m1().state(), Modem::State::Online);
  EXPECT_EQ(t1.take(), "");
  EXPECT_EQ(world.pbx.find_call(world.newest_on("400"))->to, "402");
}

TEST_F(ModemTest, AKeyWhileDialingAbortsTheCall) {
  type(m1(), t1, "ATE0\r");
  type(m1(), t1, "ATD401\r\n");  // the line feed does not abort
  run(2s);
  EXPECT_EQ(m1().state(), Modem::State::Dialing);
  EXPECT_EQ(type(m1(), t1, "x"), "\r\nNO CARRIER\r\n");
  run(1s);
  EXPECT_TRUE(world.pbx.idle(world.line("401")));
  EXPECT_EQ(t2.take(), "\r\nRING\r\n");  // it rang once before the caller gave up
}

TEST_F(ModemTest, CallsPlacedAndAnsweredOnAModemsLineByOthersAreTakenOver) {
  // As Unimodem would for lineMakeCall / lineAnswer: the modem originates or answers.
  type(m1(), t1, "ATE0\r");
  type(m2(), t2, "ATE0\r");
  const CallId placed = world.call("400", "401");
  run(2s);
  EXPECT_EQ(m1().state(), Modem::State::Dialing);
  EXPECT_EQ(t2.take(), "\r\nRING\r\n");
  ASSERT_TRUE(world.pbx.answer(world.newest_on("401")).ok());
  run(1ms);
  EXPECT_EQ(m2().state(), Modem::State::Answering);
  run(3s);
  EXPECT_EQ(t1.take(), "\r\nCONNECT 14400\r\n");
  EXPECT_EQ(t2.take(), "\r\nCONNECT 14400\r\n");
  type(m1(), t1, "x");  // a data byte, not an abort: the modem is online
  run(10ms);
  EXPECT_EQ(t2.take(), "x");
  ASSERT_TRUE(world.pbx.drop(placed).ok());  // the application hangs up
  run(2s);
  EXPECT_EQ(t2.take(), "\r\nNO CARRIER\r\n");
  EXPECT_EQ(m1().state(), Modem::State::Idle);
}

// Unimodem's way: an application owns both modems' lines (set_controlled), places the call
// and answers it through the PBX. The terminals see no echo, results or RING, their command
// bytes are ignored, DTR counts as held, and once the carriers are up only data crosses; the
// application's drop hangs both modems up at once, silently.
TEST_F(ModemTest, AModemAnApplicationControlsShowsItsTerminalOnlyTheData) {
  ASSERT_TRUE(bank.set_controlled(*world.pbx.find_line("400"), true));
  ASSERT_TRUE(bank.set_controlled(*world.pbx.find_line("402"), true));
  EXPECT_FALSE(bank.set_controlled(*world.pbx.find_line("201"), true)) << "201 is no modem's line";
  m1().set_dtr(false);  // the terminal closed its port: the provider still holds DTR
  EXPECT_TRUE(m1().dtr());
  EXPECT_EQ(type(m1(), t1, "AT\r"), "") << "no echo, no OK: the provider commands the modem";
  const CallId placed = world.call("400", "402");
  run(10s);  // m3's S0=2 does not answer: the application does
  EXPECT_EQ(t3.take(), "") << "no RING";
  EXPECT_EQ(m3().state(), Modem::State::Idle);
  ASSERT_TRUE(world.pbx.answer(world.newest_on("402")).ok());
  run(1ms);
  EXPECT_EQ(m1().state(), Modem::State::Dialing);
  EXPECT_EQ(m3().state(), Modem::State::Answering);
  run(3s);
  EXPECT_EQ(m1().state(), Modem::State::Online);
  EXPECT_EQ(m3().state(), Modem::State::Online);
  EXPECT_EQ(t1.take(), "") << "no CONNECT";
  type(m1(), t1, "+++");  // no escape under control: data
  run(2s);
  EXPECT_EQ(t3.take(), "+++");
  EXPECT_EQ(m1().state(), Modem::State::Online);
  ASSERT_TRUE(world.pbx.drop(placed).ok());
  run(1ms);
  EXPECT_EQ(m1().state(), Modem::State::Idle);
  run(1s);
  EXPECT_EQ(m3().state(), Modem::State::Idle);
  EXPECT_EQ(t1.take() + t3.take(), "") << "no NO CARRIER";
  // Control ends with the terminal's DTR down: the modem answers its terminal again, and
  // acts on DTR as it is.
  bank.set_controlled(*world.pbx.find_line("400"), false);
  EXPECT_FALSE(m1().dtr());
  m1().set_dtr(true);
  EXPECT_EQ(type(m1(), t1, "AT\r"), "AT\r\r\nOK\r\n");
  run(5s);
  for (const CallRecord& r : world.rec.records) EXPECT_EQ(r.history.back().state, CallState::Idle);
}

TEST_F(ModemTest, EveryModemCallEndsIdleWithOneRecord) {
  connect_m1_m2();
  m1().from_dte("data");
  run(1s);
  world.pbx.shutdown();
  run(5s);
  for (const CallRecord& r : world.rec.records) EXPECT_EQ(r.history.back().state, CallState::Idle);
  EXPECT_EQ(world.rec.records.size(), 2u);
  EXPECT_EQ(t1.take(), "\r\nNO CARRIER\r\n");
}

// A DEVCFG's settings (configure): the active and the stored profile take them, so AT&V shows
// them and ATZ keeps them; the DTE rate caps the line rate the modem trains to (no error
// control to buffer with); a value out of range changes nothing.
TEST_F(ModemTest, ConfigureSetsTheProfileAndTheDteRateCapsTheLineRate) {
  ModemOptions o = m1().options();
  EXPECT_EQ(o.dte_rate, 0u);
  EXPECT_EQ(o.speaker, 1);
  EXPECT_EQ(o.volume, 1);
  EXPECT_FALSE(o.blind_dial);
  EXPECT_EQ(o.flow_control, 3);
  EXPECT_EQ(o.call_setup_timeout, 50);
  EXPECT_EQ(m1().max_speed(), 33600u);
  o.dte_rate = 9600;
  o.speaker = 0;
  o.volume = 3;
  o.blind_dial = true;
  o.flow_control = 4;
  o.call_setup_timeout = 30;
  ASSERT_TRUE(m1().configure(o));
  EXPECT_EQ(m1().max_speed(), 9600u);
  type(m1(), t1, "ATE0\r");
  EXPECT_EQ(type(m1(), t1, "AT&V\r"),
            "\r\nACTIVE PROFILE:\r\nE0 L3 M0 Q0 V1 W0 X3 &C1 &D2 &K4\r\nS00:000 S01:000 S02:043 S03:013 S04:010 "
            "S05:008 S06:002 S07:030 S08:002 S09:006 S10:014 S11:095 S12:050\r\n\r\nOK\r\n");
  type(m1(), t1, "ATM2 L1 X4 S7=60 Z\r");  // Z: back to the stored profile, which has them too
  const ModemOptions kept = m1().options();
  EXPECT_EQ(kept.speaker, 0);
  EXPECT_EQ(kept.volume, 3);
  EXPECT_TRUE(kept.blind_dial);
  EXPECT_EQ(kept.flow_control, 4);
  EXPECT_EQ(kept.call_setup_timeout, 30);
  EXPECT_EQ(kept.dte_rate, 9600u);
  for (auto bad : {+[](ModemOptions& x) { x.dte_rate = 110; }, +[](ModemOptions& x) { x.speaker = 4; },
                   +[](ModemOptions& x) { x.flow_control = 1; }, +[](ModemOptions& x) { x.call_setup_timeout = 0; }}) {
    ModemOptions b = m1().options();
    b.volume = 0;
    bad(b);
    EXPECT_FALSE(m1().configure(b));
    EXPECT_EQ(m1().options().volume, 3) << "nothing changed";
  }
  // A DTE rate between two line rates: the one below it. m2 (14400) then trains to it.
  o.dte_rate = 19000;
  ASSERT_TRUE(m1().configure(o));
  EXPECT_EQ(m1().max_speed(), 16800u);
  o.dte_rate = 115200;
  ASSERT_TRUE(m1().configure(o));
  EXPECT_EQ(m1().max_speed(), 33600u);
  o.dte_rate = 9600;
  ASSERT_TRUE(m1().configure(o));
  type(m2(), t2, "ATE0\r");
  type(m1(), t1, "ATD401\r");
  run(2s);
  ASSERT_EQ(t2.take(), "\r\nRING\r\n");
  type(m2(), t2, "ATA\r");
  run(3s);
  EXPECT_EQ(t1.take(), "\r\nCONNECT 9600\r\n");
  EXPECT_EQ(t2.take(), "\r\nCONNECT 9600\r\n");
}

// Unimodem's passthrough: the owner of a modem's line hands its program the AT interpreter.
// Owned, the modem ignores its terminal in command mode; in passthrough it answers it and
// dials what it is told; ending passthrough hangs it up at once, silently, and it is the
// owner's again. The owner letting go of the line ends passthrough too.
TEST_F(ModemTest, PassthroughHandsAnOwnedModemsInterpreterToItsTerminalAndTakesItBack) {
  const LineId l400 = *world.pbx.find_line("400");
  ASSERT_TRUE(bank.set_controlled(l400, true));
  EXPECT_EQ(type(m1(), t1, "AT\r"), "") << "owned: the terminal's commands are ignored";
  EXPECT_FALSE(bank.passthrough(l400));
  ASSERT_TRUE(bank.set_passthrough(l400, true));
  EXPECT_TRUE(bank.passthrough(l400));
  EXPECT_FALSE(m1().controlled());
  EXPECT_EQ(type(m1(), t1, "AT\r"), "AT\r\r\nOK\r\n");
  EXPECT_EQ(type(m1(), t1, "ATI3\r"), "ATI3\r\r\ntelsim modem m1\r\n\r\nOK\r\n");
  type(m1(), t1, "ATE0 D401\r");
  run(2s);
  ASSERT_EQ(t2.take(), "\r\nRING\r\n");
  type(m2(), t2, "ATA\r");
  run(3s);
  EXPECT_EQ(t1.take(), "\r\nCONNECT 14400\r\n");
  EXPECT_EQ(t2.take(), "\r\nCONNECT 14400\r\n");
  ASSERT_TRUE(bank.set_passthrough(l400, false));
  EXPECT_FALSE(bank.passthrough(l400));
  EXPECT_TRUE(m1().controlled());
  EXPECT_EQ(m1().state(), Modem::State::Idle);
  EXPECT_EQ(t1.take(), "") << "no NO CARRIER for the owner's hang-up";
  run(2s);
  EXPECT_EQ(m2().state(), Modem::State::Idle);
  EXPECT_EQ(t2.take(), "\r\nNO CARRIER\r\n");
  EXPECT_EQ(type(m1(), t1, "AT\r"), "") << "the owner's again";
  // Passthrough ends with the owner: the terminal keeps the modem.
  ASSERT_TRUE(bank.set_passthrough(l400, true));
  ASSERT_TRUE(bank.set_controlled(l400, false));
  EXPECT_FALSE(bank.passthrough(l400));
  EXPECT_FALSE(m1().controlled());
  EXPECT_FALSE(bank.set_passthrough(*world.pbx.find_line("201"), true)) << "201 is no modem's line";
  run(5s);
  for (const CallRecord& r : world.rec.records) EXPECT_EQ(r.history.back().state, CallState::Idle);
}

}  // namespace
}  // namespace telsim::test

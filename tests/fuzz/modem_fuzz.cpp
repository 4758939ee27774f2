// libFuzzer target for the modems: any bytes from two terminals, any DTR changes and any
// pauses must leave the AT interpreters, their data pumps and the PBX consistent, and once the
// run is cleared every call must be IDLE with one record and both modems on-hook.
// The input is a little script: each record starts with a byte whose low two bits say what
// follows (0, 1: up to 31 bytes written by m1's or m2's terminal; 2: a pause of N x 50 ms;
// 3: a DTR change).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "telsim/models/modem_bank.hpp"
#include "telsim/models/pbx.hpp"

namespace {

using namespace std::chrono_literals;

[[noreturn]] void violated(const char* what) {
  std::fprintf(stderr, "modem_fuzz: %s\n", what);
  std::abort();
}

struct Counter final : telsim::PbxObserver {
  void on_call_record(const telsim::CallRecord& r) override {
    ++records;
    if (r.history.empty() || r.history.back().state != telsim::CallState::Idle) violated("a record not ending IDLE");
  }
  std::uint64_t records = 0;
};

void check(const telsim::Modem& m) {
  using S = telsim::Modem::State;
  if (m.carrier() && m.state() != S::Online && m.state() != S::OnlineCommand)
    violated("a carrier outside the online states");
  if ((m.state() == S::Online || m.state() == S::OnlineCommand) && !m.carrier())
    violated("an online state without a carrier");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  telsim::ManualScheduler sched;
  telsim::PbxConfig config;
  auto line = [](std::string number, telsim::Behavior::Kind kind) {
    telsim::LineConfig l;
    l.number = std::move(number);
    l.behavior.kind = kind;
    if (kind == telsim::Behavior::Kind::Auto) l.behavior.answer_after = telsim::DurationDist(1s);
    return l;
  };
  config.lines = {line("201", telsim::Behavior::Kind::Auto), line("202", telsim::Behavior::Kind::Busy),
                  line("400", telsim::Behavior::Kind::Manual), line("401", telsim::Behavior::Kind::Manual)};
  config.profile.timing.no_answer_timeout = 20s;
  telsim::Pbx pbx(sched, config);
  Counter counter;
  pbx.add_observer(&counter);
  telsim::ModemConfig a;
  a.name = "m1";
  a.number = "400";
  a.handshake = 500ms;
  telsim::ModemConfig b = a;
  b.name = "m2";
  b.number = "401";
  b.speed = 2400;
  b.registers[0] = 1;
  telsim::ModemBank bank(pbx, sched, {a, b});
  pbx.add_observer(&bank);
  bool dtr[2] = {true, true};

  for (std::size_t i = 0; i < size;) {
    const std::uint8_t head = data[i++];
    const int which = (head >> 2) & 1;
    telsim::Modem& m = bank.modem(static_cast<std::size_t>(which));
    switch (head & 3) {
      case 0:
      case 1: {
        const std::size_t n = std::min<std::size_t>(head >> 3, size - i);
        bank.modem(head & 1).from_dte(std::string(reinterpret_cast<const char*>(data + i), n));
        i += n;
        break;
      }
      case 2:
        sched.advance(50ms * (head >> 2));
        break;
      case 3:
        dtr[which] = !dtr[which];
        m.set_dtr(dtr[which]);
        break;
    }
    check(bank.modem(0));
    check(bank.modem(1));
    for (telsim::LineId l = 0; l < pbx.line_count(); ++l)
      if (pbx.line(l).calls.size() > 8) violated("a line with more handles than call appearances");
  }
  sched.advance(2s);
  pbx.shutdown();
  sched.run_until(sched.now() + 10min);
  for (telsim::LineId l = 0; l < pbx.line_count(); ++l)
    if (!pbx.idle(l)) violated("a call left after the run was cleared");
  if (counter.records != pbx.stats().calls_created) violated("a call without exactly one record");
  for (std::size_t k = 0; k < 2; ++k) {
    if (bank.modem(k).state() != telsim::Modem::State::Idle && bank.modem(k).state() != telsim::Modem::State::OffHook)
      violated("a modem still in a call after the run was cleared");
    check(bank.modem(k));
  }
  return 0;
}

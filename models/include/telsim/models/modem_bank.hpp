#pragma once
/// The modems of a PBX, each attached to its line: the bank turns the PBX's call events on a
/// modem's line into the modem's telephone-side inputs, carries out what a modem asks of its
/// line as PBX operations, and trains two modems that reach each other (both CONNECTED, both
/// wanting a carrier) into a data connection at the lower of their rates, then carries their
/// bytes. A modem whose far end is a voice line never trains, so it gives NO CARRIER after S7.
#include <memory>
#include <string_view>
#include <vector>

#include "telsim/models/modem.hpp"
#include "telsim/models/pbx.hpp"

namespace telsim {

class ModemBank final : public PbxObserver {
 public:
  /// Every config names an extension of `pbx` by its number (the loader checks this). Each
  /// channel of a trunk whose far end is a modem (FarEndConfig::modem_speed) gets one too; those
  /// have no terminal and are not among the bank's numbered modems.
  ModemBank(Pbx& pbx, Scheduler& scheduler, const std::vector<ModemConfig>& modems);
  ~ModemBank() override;
  ModemBank(const ModemBank&) = delete;
  ModemBank& operator=(const ModemBank&) = delete;

  std::size_t size() const { return ports_.size(); }
  Modem& modem(std::size_t i);
  const Modem& modem(std::size_t i) const;
  /// The modem named `name`, or nullptr.
  Modem* find(std::string_view name);
  /// The modem on `line`, or nullptr (the non-const form, to configure it).
  Modem* on_line(LineId line);
  /// The modem on `line`, or nullptr.
  const Modem* on_line(LineId line) const;
  LineId line_of(std::size_t i) const;
  /// A TAPI application owns (true) or no longer owns the modem's line: Modem::set_controlled
  /// (not while in passthrough). Losing its owner ends passthrough, leaving the modem as it is.
  /// False when `line` is no modem's.
  bool set_controlled(LineId line, bool on);
  /// Unimodem's LINEBEARERMODE_PASSTHROUGH: the owner hands its program the modem's AT
  /// interpreter (on: the modem answers its terminal again although the line is owned) or takes
  /// it back (off: the modem goes on-hook in command mode at once, Modem::reset_to_idle, and is
  /// the owner's again). False when `line` is no modem's.
  bool set_passthrough(LineId line, bool on);
  bool passthrough(LineId line) const;

  void on_switch_state(const CallStateEvent& event) override;

 private:
  struct Port;
  Port* port_on(LineId line) const;
  /// The PBX's event, handed to the modem once the PBX has finished its notification (a modem
  /// answers it with operations, which must not run inside it).
  void deliver(Port& port, CallId call, CallState state, DisconnectMode mode);
  void maybe_train(Port& port);
  void trained(Port& a, Port& b);
  void forget_peer(Port& port);
  void carry(Port& from, std::string_view bytes);

  Pbx& pbx_;
  Scheduler& scheduler_;
  std::vector<std::unique_ptr<Port>> ports_;
  std::vector<std::unique_ptr<Port>> far_ends_;  // trunk channels answered by PSTN modems
  std::vector<Port*> by_line_;  // LineId -> port (nullptr: not a modem line)
};

}  // namespace telsim

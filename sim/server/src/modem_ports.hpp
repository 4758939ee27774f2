#pragma once
/// The scenario's modems as devices real programs open while `telsim serve` runs. A modem with
/// `pty: PATH` gets a pseudo-terminal whose slave side is linked at PATH (minicom, chat, pppd,
/// socat or any serial program opens it); one with `tcp: HOST:PORT` gets a raw TCP port on
/// loopback where one connection at a time is its terminal. Bytes a program writes reach the
/// modem at the simulated instant their arrival maps to; the modem's output is written back as
/// it is produced.
///
/// DTR is what a serial port would raise: it is on while some program has the pty open with a
/// line speed other than B0 (closing the device, or `stty 0` / cfsetospeed(B0), drops it), or
/// while a TCP connection is up. Opens and closes are seen through inotify on the pty's device
/// node and termios changes through packet mode (TIOCPKT with EXTPROC), so nothing polls.
/// A pty has no modem-status lines, so DCD is not visible on it (docs/modems.md).
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "telsim/models/modem_bank.hpp"
#include "telsim/sim/scenario.hpp"

namespace telsim {

class ModemPorts {
 public:
  struct Hooks {
    /// Bring the model to now before input is applied; false: the run is over, drop it.
    std::function<bool()> before_input;
    std::function<void()> after_input;  ///< re-arm the model's timer after input
  };
  /// Creates every pty and listening socket at once. Throws ScenarioError (at the modem's
  /// place in `scenario`) when one cannot be made: a missing folder, a path that is not a link.
  ModemPorts(boost::asio::io_context& io, ModemBank& bank, const Scenario& scenario, Hooks hooks,
             std::ostream& log, bool quiet);
  ~ModemPorts();
  ModemPorts(const ModemPorts&) = delete;
  ModemPorts& operator=(const ModemPorts&) = delete;

  /// Start reading the devices and accepting connections.
  void start();
  /// Stop: what the modems said last is written out, the links are removed, the ptys and
  /// sockets closed (a program reading the pty sees it hang up).
  void close();
  /// The surfaces of the modem on `line`, for list_lines: {"pty": PATH, "device": /dev/pts/N,
  /// "tcp": "HOST:PORT"}; null when the line has no modem.
  nlohmann::json describe(LineId line) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace telsim

#pragma once
// `telsim wine-setup [PREFIX] --server HOST:PORT`: make a Wine prefix run unmodified Windows TAPI
// programs against a `telsim serve` (docs/wine.md). It creates the prefix if needed, copies
// telsim's tapi32.dll and telsim.tsp into it (64-bit into system32; 32-bit into syswow64, or into
// system32 of a 32-bit prefix), makes Wine load that tapi32.dll instead of its builtin (the DLL
// override tapi32=native), lists telsim.tsp as the telephony provider and writes the server's
// address where the TSP reads it (HKLM\SOFTWARE\telsim, both registry views). When the server
// answers, each of its modems with a pty gets a COM port (dosdevices/comN onto the pty, listed in
// HKLM\Software\Wine\Ports: wine_com_ports.hpp); when it does not, that is skipped and said.
#include <string>

#include <CLI/CLI.hpp>

namespace telsim::cli {

struct WineSetupOptions {
  std::string prefix;   ///< empty: $WINEPREFIX, else ~/.wine
  std::string server = "127.0.0.1:5070";
  std::string token;
  std::string log_file;  ///< the TSP's LogFile (a Windows path), none if empty
  std::string dlls;      ///< folder with the 64-bit tapi32.dll and telsim.tsp (default: the build's)
  std::string dlls32;    ///< ... the 32-bit ones
  std::string wine = "wine";
  int com_base = 5;      ///< the first COMn given to the server's modems (wine_com_ports.hpp)
};

/// The subcommand, its options bound to `options`.
CLI::App* add_wine_setup(CLI::App& app, WineSetupOptions& options);
/// 0 done, 2 bad input or an unusable Wine (the message says which).
int wine_setup(const WineSetupOptions& options);

}  // namespace telsim::cli

#pragma once
// Which Wine COM port `telsim wine-setup` gives each of the server's modems (docs/wine.md, "The
// modems' COM ports"). Wine opens PREFIX/dosdevices/comN as COMn; wine-setup points it
// at the modem's pseudo-terminal and lists it in HKLM\Software\Wine\Ports (Wine's own record of
// user-defined ports, which its mount manager keeps when it re-creates the links at start-up and
// where telsim.tsp looks the pty up to name "COMn" for lineGetID("comm/datamodem")).
//
// The rules, in this order:
//  1. a modem keeps a comN that already points at its pty (any N: a mapping made by hand or by an
//     earlier wine-setup);
//  2. the others take the lowest N >= the base (--com-base, 5 by default: COM1-COM4 are the PC's
//     own) whose comN is absent, or was made by wine-setup earlier (PREFIX/telsim-com-ports
//     records it) and still points where it pointed then;
//  3. a comN that points anywhere else is never touched: it is skipped and reported (and a modem
//     whose pty is a relative path, which only the server's folder resolves, gets none);
//  4. a comN wine-setup made earlier that no modem takes now is released (its link removed), when
//     it still points where wine-setup pointed it.
// Header-only, std only: tests/cli/wine_setup_test.cpp runs it without Wine.
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace telsim::cli::wine_com {

namespace fs = std::filesystem;

constexpr int kMaxPort = 256;  ///< Wine's MAX_PORTS
constexpr int kDefaultBase = 5;

struct Modem {
  std::string line;  ///< the modem's line number
  std::string name;  ///< the modem's name in the scenario
  std::string pty;   ///< the link to its pseudo-terminal (list_lines' modem.pty), "" when it has none
};

struct Mapping {
  Modem modem;
  int com = 0;        ///< COMn
  bool kept = false;  ///< comN already pointed at the pty (nothing to change)
};

struct Plan {
  std::vector<Mapping> map;       ///< one per modem that has a pty and got a port
  std::map<int, std::string> release;  ///< earlier telsim ports no modem takes now: N, target
  std::vector<std::string> notes;      ///< what was skipped and why, one line each
};

/// PREFIX/telsim-com-ports: the ports an earlier wine-setup made, "N TARGET" a line.
inline fs::path record_file(const fs::path& prefix) { return prefix / "telsim-com-ports"; }

inline std::map<int, std::string> read_record(const fs::path& prefix) {
  std::map<int, std::string> out;
  std::ifstream in(record_file(prefix));
  std::string row;
  while (std::getline(in, row)) {
    std::istringstream s(row);
    int n = 0;
    std::string target;
    if (!(s >> n) || n < 1 || n > kMaxPort) continue;
    std::getline(s >> std::ws, target);
    if (!target.empty()) out[n] = target;
  }
  return out;
}

/// What dosdevices/comN is now: absent, a symbolic link (and its target) or something else.
struct Entry {
  bool exists = false;
  bool is_link = false;
  std::string target;
};

inline Entry entry(const fs::path& dosdevices, int n) {
  Entry e;
  const fs::path p = dosdevices / ("com" + std::to_string(n));
  std::error_code ec;
  const auto st = fs::symlink_status(p, ec);
  if (ec || !fs::exists(st)) return e;
  e.exists = true;
  if (fs::is_symlink(st)) {
    e.is_link = true;
    e.target = fs::read_symlink(p, ec).string();
  }
  return e;
}

inline Plan plan(const fs::path& dosdevices, const std::vector<Modem>& modems, int base,
                 const std::map<int, std::string>& earlier) {
  Plan out;
  std::set<int> taken;
  std::vector<bool> placed(modems.size(), false);
  // 1. Mappings already there.
  for (std::size_t i = 0; i < modems.size(); ++i) {
    if (modems[i].pty.empty()) continue;
    for (int n = 1; n <= kMaxPort; ++n) {
      if (taken.count(n)) continue;
      const Entry e = entry(dosdevices, n);
      if (e.is_link && e.target == modems[i].pty) {
        out.map.push_back({modems[i], n, true});
        taken.insert(n);
        placed[i] = true;
        break;
      }
    }
  }
  // 2. New ones from the base.
  std::set<int> reported;
  int n = base;
  for (std::size_t i = 0; i < modems.size(); ++i) {
    const Modem& m = modems[i];
    if (m.pty.empty()) {
      out.notes.push_back("modem " + m.name + " (line " + m.line +
                          ") has no pty in the scenario: no COM port (lineGetID(\"comm/datamodem\") is unavailable)");
      continue;
    }
    if (placed[i]) continue;
    if (fs::path(m.pty).is_relative()) {
      out.notes.push_back("modem " + m.name + " (line " + m.line + "): its pty '" + m.pty +
                          "' is a relative path (the server's folder): no COM port; give the scenario an "
                          "absolute pty:");
      continue;
    }
    for (; n <= kMaxPort; ++n) {
      if (taken.count(n)) continue;
      const Entry e = entry(dosdevices, n);
      const auto was = earlier.find(n);
      const bool ours = was != earlier.end() && (!e.exists || (e.is_link && e.target == was->second));
      if (!e.exists || ours) break;
      if (reported.insert(n).second)
        out.notes.push_back("COM" + std::to_string(n) + " is taken (dosdevices/com" + std::to_string(n) + " -> " +
                            (e.is_link ? e.target : std::string("not a symbolic link")) + "): left alone");
    }
    if (n > kMaxPort) {
      out.notes.push_back("modem " + m.name + " (line " + m.line + "): no free COM port from COM" +
                          std::to_string(base) + " to COM" + std::to_string(kMaxPort));
      continue;
    }
    out.map.push_back({m, n, false});
    taken.insert(n);
    ++n;
  }
  // 4. Earlier ports no modem takes now.
  for (const auto& [k, target] : earlier) {
    if (taken.count(k)) continue;
    const Entry e = entry(dosdevices, k);
    if (!e.exists || (e.is_link && e.target == target)) out.release[k] = target;
  }
  return out;
}

}  // namespace telsim::cli::wine_com

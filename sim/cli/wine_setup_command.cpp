#include "wine_setup_command.hpp"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <stdexcept>
#include <vector>

#include <boost/asio.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "serve_command.hpp"
#include "telsim/server/wire_schema.hpp"
#include "wine_com_ports.hpp"

extern char** environ;

namespace telsim::cli {

namespace {

namespace fs = std::filesystem;

constexpr int kExitBadInput = 2;

struct Problem : std::runtime_error {
  using std::runtime_error::runtime_error;
};

fs::path exe_dir() {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::current_path() : self.parent_path();
}

/// Run a Wine command with WINEPREFIX set, headless and quiet; its exit code.
int run_wine(const std::string& wine, const fs::path& prefix, std::vector<std::string> args) {
  std::map<std::string, std::string> vars;
  for (char** e = environ; *e; ++e) {
    const std::string kv = *e;
    if (const auto eq = kv.find('='); eq != std::string::npos) vars[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  vars["WINEPREFIX"] = prefix.string();
  vars["WINEDEBUG"] = "-all";
  // No Mono or Gecko installers, no window: wineboot and regedit need neither.
  vars["WINEDLLOVERRIDES"] = "mscoree,mshtml=";
  vars.erase("DISPLAY");
  vars.erase("WAYLAND_DISPLAY");
  std::vector<std::string> env_s;
  for (const auto& [k, v] : vars) env_s.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_s) envp.push_back(s.data());
  envp.push_back(nullptr);
  args.insert(args.begin(), wine);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawnp(&pid, argv[0], nullptr, nullptr, argv.data(), envp.data()) != 0)
    throw Problem(fmt::format("cannot run '{}' (is Wine installed? Debian: apt install wine wine64)", wine));
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/// "Z:\..." for a Linux path (Wine maps Z: to /).
std::string windows_path(const fs::path& p) {
  std::string s = "Z:" + fs::absolute(p).lexically_normal().string();
  for (char& c : s)
    if (c == '/') c = '\\';
  return s;
}

/// A REG_SZ for a .reg file.
std::string reg_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '\\' || c == '"') out += '\\';
    out += c;
  }
  return out + "\"";
}

/// The folder holding tapi32.dll and telsim.tsp: the option, else the build's.
fs::path dll_folder(const std::string& option, const char* build_subdir, bool required) {
  const fs::path dir = option.empty() ? exe_dir() / "tsp-shim" / build_subdir : fs::path(option);
  const bool present = fs::exists(dir / "tapi32.dll") && fs::exists(dir / "telsim.tsp");
  if (!present && (required || !option.empty()))
    throw Problem(fmt::format("{} has no tapi32.dll and telsim.tsp{}", dir.string(),
                              option.empty() ? " (build telsim with mingw-w64 installed, or give the folder)" : ""));
  return present ? dir : fs::path();
}

/// The wineserver beside a wine command ("wine": "wineserver"; "/opt/wine/bin/wine64": "/opt/wine/bin/wineserver").
std::string wineserver_for(const std::string& wine) {
  const fs::path p(wine);
  if (p.filename() != "wine" && p.filename() != "wine64") return "wineserver";
  return (p.parent_path() / "wineserver").string();
}

void copy_dlls(const fs::path& from, const fs::path& to) {
  for (const char* f : {"tapi32.dll", "telsim.tsp"}) {
    std::error_code ec;
    fs::copy_file(from / f, to / f, fs::copy_options::overwrite_existing, ec);
    if (ec) throw Problem(fmt::format("cannot copy {} to {}: {}", (from / f).string(), to.string(), ec.message()));
  }
}

namespace asio = boost::asio;

/// Start one asynchronous step with `start(handler)` and run `io` until it ends or `limit`
/// passes; false with `why` (`timeout` when it did not end in time).
template <class Start>
bool step(asio::io_context& io, asio::ip::tcp::socket& socket, std::chrono::milliseconds limit, const char* timeout,
          std::string& why, Start start) {
  boost::system::error_code result = asio::error::would_block;
  start([&result](const boost::system::error_code& ec, auto&&...) { result = ec; });
  io.restart();
  io.run_for(limit);
  if (result == asio::error::would_block) {  // still pending: cancel it and let its handler run
    boost::system::error_code ignored;
    socket.close(ignored);
    io.restart();
    io.run();
    why = timeout;
    return false;
  }
  if (result == asio::error::eof) return why = "the server closed the connection", false;
  if (result) return why = result.message(), false;
  return true;
}

/// The server's modems (hello, then list_lines), within a few seconds; false with `why`.
bool query_modems(const std::string& server, const std::string& token, std::vector<wine_com::Modem>& out,
                  std::string& why) {
  namespace field = wire::schema::field;
  namespace op = wire::schema::op;
  using namespace std::chrono_literals;
  const auto [host, port] = parse_endpoint(server);
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  boost::system::error_code ec;
  const auto endpoints = asio::ip::tcp::resolver(io).resolve(host, std::to_string(port), ec);
  if (ec) return why = ec.message(), false;
  if (!step(io, socket, 3000ms, "connection timed out", why,
            [&](auto handler) { asio::async_connect(socket, endpoints, handler); }))
    return false;
  asio::streambuf received;
  // One request, its reply (events in between are skipped).
  auto request = [&](nlohmann::json frame, nlohmann::json& reply) {
    frame[field::kId] = "wine-setup";
    const std::string text = frame.dump() + "\n";
    if (!step(io, socket, 5000ms, "the server does not take the request", why,
              [&](auto handler) { asio::async_write(socket, asio::buffer(text), handler); }))
      return false;
    for (;;) {
      if (!step(io, socket, 5000ms, "no reply from the server", why,
                [&](auto handler) { asio::async_read_until(socket, received, '\n', handler); }))
        return false;
      std::istream lines(&received);
      std::string row;
      std::getline(lines, row);
      reply = nlohmann::json::parse(row, nullptr, false);
      if (reply.is_object() && reply.contains(field::kId)) return true;
    }
  };
  nlohmann::json hello{{field::kOp, op::kHello},
                       {field::kVersions, nlohmann::json::array({wire::schema::kProtocolVersion})},
                       {field::kName, "wine-setup"}};
  if (!token.empty()) hello[field::kToken] = token;
  nlohmann::json reply;
  bool ok = request(hello, reply);
  if (ok && !reply.value(field::kOk, false)) {
    why = "hello refused: " + reply.value(field::kMessage, std::string("?"));
    ok = false;
  }
  if (ok) ok = request({{field::kOp, op::kListLines}}, reply);
  if (ok && (!reply.value(field::kOk, false) || !reply.contains(field::kLines) || !reply[field::kLines].is_array())) {
    why = "list_lines failed: " + reply.value(field::kMessage, std::string("?"));
    ok = false;
  }
  if (!ok) return false;
  for (const auto& l : reply[field::kLines]) {
    if (!l.is_object() || !l.contains(field::kModem) || !l[field::kModem].is_object()) continue;
    const auto& m = l[field::kModem];
    out.push_back({l.value(field::kLine, std::string()), m.value(field::kName, std::string()),
                   m.value(field::kPty, std::string())});
  }
  return true;
}

}  // namespace

CLI::App* add_wine_setup(CLI::App& app, WineSetupOptions& o) {
  auto* cmd = app.add_subcommand(
      "wine-setup", "make a Wine prefix run Windows TAPI programs against a telsim server (tapi32.dll + telsim.tsp)");
  cmd->add_option("PREFIX", o.prefix, "the Wine prefix (default $WINEPREFIX, else ~/.wine); created if missing");
  cmd->add_option("--server", o.server, "HOST:PORT of the telsim server the programs use")->capture_default_str();
  cmd->add_option("--token", o.token, "the server's --token");
  cmd->add_option("--log", o.log_file, "a Windows path the TSP appends its log to (e.g. C:\\telsim-tsp.log)");
  cmd->add_option("--dlls", o.dlls, "folder with the 64-bit tapi32.dll and telsim.tsp (default: the build's)");
  cmd->add_option("--dlls32", o.dlls32, "folder with the 32-bit ones (default: the build's, if built)");
  cmd->add_option("--wine", o.wine, "the wine command")->capture_default_str();
  cmd->add_option("--com-base", o.com_base,
                  "the first COM port number given to the server's modems (COMn onto each modem's pty)")
      ->check(CLI::Range(1, wine_com::kMaxPort))
      ->capture_default_str();
  return cmd;
}

int wine_setup(const WineSetupOptions& o) {
  try {
    parse_endpoint(o.server);  // throws std::invalid_argument naming what is wrong
    if (o.server.find(':') == 0) throw Problem("--server needs a host: HOST:PORT");
    fs::path prefix = o.prefix;
    if (prefix.empty()) {
      if (const char* p = std::getenv("WINEPREFIX"); p && *p) prefix = p;
      else if (const char* h = std::getenv("HOME"); h && *h) prefix = fs::path(h) / ".wine";
      else throw Problem("no PREFIX, and neither WINEPREFIX nor HOME is set");
    }
    prefix = fs::absolute(prefix).lexically_normal();
    const fs::path bin64 = dll_folder(o.dlls, "bin", false);
    const fs::path bin32 = dll_folder(o.dlls32, "bin32", false);
    if (bin64.empty() && bin32.empty())
      throw Problem(fmt::format("no tapi32.dll and telsim.tsp found in {} (build telsim with mingw-w64 installed, "
                                "or give --dlls)",
                                (exe_dir() / "tsp-shim" / "bin").string()));

    // 1. The prefix.
    if (!fs::exists(prefix / "system.reg")) {
      std::cout << "telsim wine-setup: creating the Wine prefix " << prefix.string() << "\n" << std::flush;
      if (run_wine(o.wine, prefix, {"wineboot", "--init"}) != 0 || !fs::exists(prefix / "drive_c" / "windows"))
        throw Problem(fmt::format("wineboot could not create the prefix {}", prefix.string()));
    }
    const fs::path windows = prefix / "drive_c" / "windows";
    const bool win64 = fs::exists(windows / "syswow64");

    // 2. The DLLs: 64-bit in system32 and 32-bit in syswow64 (a 64-bit prefix), or 32-bit in
    // system32 (a 32-bit prefix).
    std::vector<std::string> placed;
    if (win64) {
      if (bin64.empty()) throw Problem("a 64-bit prefix needs the 64-bit tapi32.dll and telsim.tsp (--dlls)");
      copy_dlls(bin64, windows / "system32");
      placed.push_back("system32: tapi32.dll, telsim.tsp (64-bit, from " + bin64.string() + ")");
      if (!bin32.empty()) {
        copy_dlls(bin32, windows / "syswow64");
        placed.push_back("syswow64: tapi32.dll, telsim.tsp (32-bit, from " + bin32.string() + ")");
      } else {
        placed.push_back("syswow64: nothing (no 32-bit build: 32-bit programs get Wine's own tapi32)");
      }
    } else {
      if (bin32.empty()) throw Problem("a 32-bit prefix needs the 32-bit tapi32.dll and telsim.tsp (--dlls32)");
      copy_dlls(bin32, windows / "system32");
      placed.push_back("system32: tapi32.dll, telsim.tsp (32-bit, from " + bin32.string() + ")");
    }

    // 3. The modems' COM ports: dosdevices/comN onto each modem's pty (wine_com_ports.hpp).
    const fs::path dosdevices = prefix / "dosdevices";
    std::vector<std::string> com_lines;  // what to say
    std::string ports_reg;               // HKLM\Software\Wine\Ports values
    std::map<int, std::string> record;   // PREFIX/telsim-com-ports
    // The links are made once Wine has stopped (below): its mount manager, started by `reg
    // import`, re-creates dosdevices/comN from the Wine\Ports values it finds, the old ones then.
    std::vector<std::pair<fs::path, std::string>> links;
    std::vector<fs::path> unlinks;
    bool record_changed = false;
    {
      std::vector<wine_com::Modem> modems;
      std::string why;
      const auto earlier = wine_com::read_record(prefix);
      if (!query_modems(o.server, o.token, modems, why)) {
        com_lines.push_back(fmt::format("COM ports: none mapped: the server at {} did not answer ({}); voice "
                                        "works, and data programs get the pty's Z: path. Run wine-setup again "
                                        "with the server up to map its modems",
                                        o.server, why));
        record = earlier;
      } else {
        const wine_com::Plan plan = wine_com::plan(dosdevices, modems, o.com_base, earlier);
        for (const wine_com::Mapping& m : plan.map) {
          const fs::path link = dosdevices / ("com" + std::to_string(m.com));
          links.emplace_back(link, m.modem.pty);
          if (!m.kept || earlier.count(m.com)) record[m.com] = m.modem.pty;
          ports_reg += fmt::format("\"COM{}\"={}\r\n", m.com, reg_string(m.modem.pty));
          com_lines.push_back(fmt::format("COM{}: modem {} (line {}) -> {}{}", m.com, m.modem.name, m.modem.line,
                                          m.modem.pty, m.kept ? " (already there)" : ""));
        }
        for (const auto& [n, target] : plan.release) {
          unlinks.push_back(dosdevices / ("com" + std::to_string(n)));
          ports_reg += fmt::format("\"COM{}\"=-\r\n", n);
          com_lines.push_back(fmt::format("COM{}: released (it was {}, which no modem uses now)", n, target));
        }
        for (const std::string& note : plan.notes) com_lines.push_back(note);
        if (modems.empty()) com_lines.push_back("COM ports: the server has no modems");
        record_changed = true;
      }
    }

    // 4. The registry: the override, the provider list and the TSP's settings, in both views
    // (32-bit programs read HKLM\Software through Wow6432Node).
    std::string reg = "REGEDIT4\r\n\r\n[HKEY_CURRENT_USER\\Software\\Wine\\DllOverrides]\r\n\"tapi32\"=\"native\"\r\n";
    for (const char* view : {"", "Wow6432Node\\"}) {
      if (!win64 && *view) continue;
      reg += fmt::format("\r\n[HKEY_LOCAL_MACHINE\\Software\\{}Microsoft\\Windows\\CurrentVersion\\Telephony\\Providers]\r\n"
                         "\"NumProviders\"=dword:00000001\r\n\"NextProviderID\"=dword:00000002\r\n"
                         "\"ProviderFileName0\"=\"telsim.tsp\"\r\n\"ProviderID0\"=dword:00000001\r\n",
                         view);
      reg += fmt::format("\r\n[HKEY_LOCAL_MACHINE\\Software\\{}telsim]\r\n\"Server\"={}\r\n\"Token\"={}\r\n\"LogFile\"={}\r\n",
                         view, reg_string(o.server), o.token.empty() ? "-" : reg_string(o.token),
                         o.log_file.empty() ? "-" : reg_string(o.log_file));
    }
    // Wine's own list of ports (its mount manager re-creates dosdevices/comN from it, and the
    // TSP looks the modem's pty up there); Software\Wine is in the 64-bit view.
    if (!ports_reg.empty()) reg += "\r\n[HKEY_LOCAL_MACHINE\\Software\\Wine\\Ports]\r\n" + ports_reg;
    const fs::path reg_file = prefix / "drive_c" / "telsim-wine-setup.reg";
    {
      std::ofstream out(reg_file, std::ios::binary);
      out << reg;
      if (!out) throw Problem("cannot write " + reg_file.string());
    }
    // `reg import` in the 64-bit view of a 64-bit prefix: Debian's `wine` is the 32-bit loader
    // when wine32 is installed, and a 32-bit regedit would put every key under Wow6432Node.
    std::vector<std::string> import{"reg", "import", windows_path(reg_file)};
    if (win64) import.push_back("/reg:64");
    if (run_wine(o.wine, prefix, import) != 0) throw Problem("reg import could not import " + reg_file.string());
    std::error_code ec;
    fs::remove(reg_file, ec);
    if (record_changed) {
      std::ofstream out(wine_com::record_file(prefix), std::ios::trunc);
      out << "# the COM ports telsim wine-setup made: N and the pty dosdevices/comN points at\n";
      for (const auto& [n, target] : record) out << n << ' ' << target << '\n';
      if (!out) throw Problem("cannot write " + wine_com::record_file(prefix).string());
    }
    // Let this prefix's wineserver end: it was started without a display, and Wine would give
    // the next program (which may open windows) a desktop without one while it lives on.
    run_wine(wineserver_for(o.wine), prefix, {"-w"});
    for (const fs::path& link : unlinks) fs::remove(link, ec);
    for (const auto& [link, target] : links) {
      fs::create_directories(link.parent_path(), ec);
      fs::remove(link, ec);
      ec.clear();
      fs::create_symlink(target, link, ec);
      if (ec) throw Problem(fmt::format("cannot link {} to {}: {}", link.string(), target, ec.message()));
    }

    std::cout << "telsim wine-setup: " << prefix.string() << (win64 ? " (64-bit prefix)" : " (32-bit prefix)") << "\n";
    for (const std::string& p : placed) std::cout << "  " << p << "\n";
    std::cout << "  HKCU\\Software\\Wine\\DllOverrides: tapi32=native\n"
              << "  Telephony\\Providers: telsim.tsp\n"
              << "  HKLM\\SOFTWARE\\telsim: Server=" << o.server << (o.token.empty() ? "" : ", Token set")
              << (o.log_file.empty() ? "" : ", LogFile=" + o.log_file) << "\n";
    for (const std::string& c : com_lines) std::cout << "  " << c << "\n";
    std::cout << "Run a TAPI program: WINEPREFIX=" << prefix.string() << " wine PROGRAM.exe\n";
    return 0;
  } catch (const Problem& p) {
    std::cerr << "telsim wine-setup: " << p.what() << '\n';
    return kExitBadInput;
  } catch (const std::invalid_argument& e) {
    std::cerr << "telsim wine-setup: --server: " << e.what() << '\n';
    return kExitBadInput;
  }
}

}  // namespace telsim::cli

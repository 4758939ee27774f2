// telsim-tsp-host: plays the Windows telephony service (tapisrv) for telsim.tsp, so the TSP can be
// tested without Windows' TAPI: it loads the DLL, negotiates, initialises it with its own
// callbacks, opens lines and runs one scripted session (scripts.cpp), exiting 0 when every check
// held and 1 with a message at the first that did not.
//
//   telsim-tsp-host [--tsp PATH] SCRIPT     (TELSIM_SERVER / TELSIM_TOKEN as for the TSP)
//   telsim-tsp-host --list | --version
//
// Lines starting "@@ " on stdout ask the test driver to act on the server (freeze-server,
// kill-server, start-server, thaw-server); it answers "ok" on stdin.
#include <winsock2.h>
#include <windows.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "scripts.hpp"
#include "settings.hpp"
#include "tapi_sim.hpp"
#include "text.hpp"
#include "wire.hpp"

using namespace telsim::tsp;
using namespace telsim::tsp::host;

namespace {

int usage() {
  std::fprintf(stderr, "usage: telsim-tsp-host [--tsp PATH] SCRIPT | --list | --version\n");
  return 2;
}

std::wstring beside_me(const wchar_t* file) {
  wchar_t self[MAX_PATH] = L"";
  GetModuleFileNameW(nullptr, self, MAX_PATH);
  std::wstring dir = self;
  dir = dir.substr(0, dir.find_last_of(L"\\/") + 1);
  return dir + file;
}

}  // namespace

int wmain(int argc, wchar_t** argv) {
  std::setvbuf(stdout, nullptr, _IONBF, 0);
  std::wstring tsp_path = beside_me(L"telsim.tsp");
  std::string script;
  for (int i = 1; i < argc; ++i) {
    const std::wstring a = argv[i];
    if (a == L"--version") {
      std::printf("telsim-tsp-host %s\n", TELSIM_TSP_VERSION);
      return 0;
    }
    if (a == L"--list") {
      for (const Script& s : scripts()) std::printf("%-12s %s\n", s.name, s.what);
      return 0;
    }
    if (a == L"--tsp" && i + 1 < argc) {
      tsp_path = argv[++i];
      continue;
    }
    if (!script.empty() || a.starts_with(L"-")) return usage();
    script = narrow(a);
  }
  const Script* chosen = nullptr;
  for (const Script& s : scripts())
    if (script == s.name) chosen = &s;
  if (!chosen) {
    std::fprintf(stderr, "telsim-tsp-host: unknown script '%s' (--list shows them)\n", script.c_str());
    return usage();
  }
  // The monitor connection goes where the TSP goes.
  Settings settings;
  std::string problem;
  const bool settings_ok = load_settings(settings, problem);
  wchar_t raw[256] = L"";
  GetEnvironmentVariableW(L"TELSIM_SERVER", raw, 256);
  std::printf("telsim-tsp-host: %s (%s)\n", chosen->name, chosen->what);
  try {
    WinsockScope winsock;
    Tsp tsp(tsp_path);
    if (!settings_ok && std::string(chosen->name) != "bad-config") throw Failure("settings: " + problem);
    chosen->run(Context{tsp, settings.server, settings.token, narrow(raw)});
  } catch (const Failure& f) {
    std::printf("FAIL: %s\n", f.what());
    return 1;
  } catch (const std::exception& e) {
    std::printf("FAIL: unexpected exception: %s\n", e.what());
    return 1;
  }
  std::printf("PASS: %s\n", chosen->name);
  return 0;
}

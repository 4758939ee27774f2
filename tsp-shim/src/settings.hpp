#pragma once
// Where the TSP finds `telsim serve` and how it talks to it. Each setting comes from the
// environment when set there, else from HKLM\SOFTWARE\telsim, else its default:
//
//   TELSIM_SERVER        / Server          REG_SZ     "host:port" ("[::1]:5070"); 127.0.0.1:5070
//   TELSIM_TOKEN         / Token           REG_SZ     the server's --token; none
//   TELSIM_TSP_LOG       / LogFile         REG_SZ     a log file to append to; none
//   TELSIM_TSP_TIMEOUT   / RequestTimeout  REG_DWORD  seconds a request may wait for its reply
//                                                     (1..3600); 30
//
// The telephony service runs as a service account, so on a real machine the registry is the
// place; the environment is for tests and hand-run hosts.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace telsim::tsp {

struct Endpoint {
  std::string host;
  std::uint16_t port = 0;
  std::string text() const;  ///< "host:port" ("[v6]:port")
};

/// "host:port" or "[v6-address]:port", port 1..65535; nullopt with `error` saying why.
std::optional<Endpoint> parse_endpoint(std::string_view text, std::string& error);

struct Settings {
  Endpoint server{"127.0.0.1", 5070};
  std::string server_from = "default";  ///< where `server` came from, for messages
  std::string token;
  std::wstring log_file;
  std::uint32_t request_timeout_ms = 30'000;
  std::uint32_t connect_timeout_ms = 3'000;
  std::uint32_t keepalive_ms = 10'000;  ///< an idle connection pings this often
};

/// Read the settings; false with `error` naming the bad value and where it came from (`out`
/// then holds what was read before it, the log file first).
bool load_settings(Settings& out, std::string& error);

}  // namespace telsim::tsp

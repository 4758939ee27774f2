#pragma once
// `telsim serve` and `telsim client` (docs/cli.md, docs/protocol.md).
#include <cstdint>
#include <optional>
#include <string>

namespace telsim::cli {

struct ServeOptions {
  std::string file;
  std::optional<std::uint64_t> seed;
  std::string listen = "127.0.0.1:5070";
  std::string token;  ///< --token, else $TELSIM_TOKEN
  double speed = 1.0;
  std::string until;  ///< a duration ("90s"), empty: until a signal
  std::string report_dir;
  std::string stats_interval;  ///< --stats-interval D (with --report): stats.csv as the server runs
  std::string vcd_file;
  bool quiet = false;
  std::string ui;  ///< --ui [HOST:]PORT: the live console's address (empty: none)
};
int serve(const ServeOptions& options);

struct ClientCommandOptions {
  std::string connect = "127.0.0.1:5070";
  std::string token;
  std::string name;
  std::string linger = "0";
};
int client(const ClientCommandOptions& options);

/// "HOST:PORT", "[v6]:PORT" or ":PORT"; throws std::invalid_argument naming what is wrong.
std::pair<std::string, std::uint16_t> parse_endpoint(const std::string& text);
/// --ui's address: "PORT" (on 127.0.0.1) or what parse_endpoint reads.
std::pair<std::string, std::uint16_t> parse_ui_endpoint(const std::string& text);

}  // namespace telsim::cli

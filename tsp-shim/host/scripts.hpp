#pragma once
// The host's scripts: each a scripted TAPI session against telsim.tsp and `telsim serve`.
#include <string>
#include <vector>

#include "settings.hpp"

namespace telsim::tsp::host {

struct Tsp;

struct Context {
  Tsp& tsp;
  Endpoint server;         ///< the same server the TSP uses (for the host's monitor connection)
  std::string token;
  std::string raw_server;  ///< TELSIM_SERVER as given
};

struct Script {
  const char* name;
  const char* what;
  void (*run)(const Context&);
};

const std::vector<Script>& scripts();

}  // namespace telsim::tsp::host

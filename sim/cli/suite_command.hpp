#pragma once
/// Suites (docs/scale.md): `telsim run` over several scenario files or folders, each scenario in
/// its own process (SystemC runs once per process), `-j N` at a time, optionally only the K-th of
/// N shares of the set; one merged junit.xml, a summary page and suite.json for `telsim merge`.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "telsim/sim/scenario.hpp"

namespace telsim::cli {

struct SuiteOptions {
  std::vector<std::string> paths;  ///< scenario files and folders, as given
  unsigned jobs = 1;               ///< scenarios running at once
  std::string shard;               ///< "K/N" (1 <= K <= N), empty: the whole set
  std::string report_dir;          ///< empty: the runs' reports go to a temporary folder
  std::optional<std::uint64_t> seed;
  std::string personality;  ///< --personality, given to every run
  std::string stats_interval;
  bool quiet = false;
};

/// The scenario files of `paths`: a file as given, a folder's *.yaml and *.yml files at any
/// depth; sorted by path and without repeats. Throws std::invalid_argument for a path that does
/// not exist or a set that is empty.
std::vector<std::string> scenario_set(const std::vector<std::string>& paths);

/// "K/N" as (K, N); throws std::invalid_argument unless 1 <= K <= N. Shard K of a suite's runs
/// (sorted by file, a sweep's points in order) is the runs at positions K-1, K-1+N, K-1+2N, ...
/// (0-based), so the N shards of one set are disjoint and together the whole set.
std::pair<unsigned, unsigned> parse_shard(const std::string& text);

/// Every point of a sweep, the last parameter varying fastest: {{p1=a, p2=x}, {p1=a, p2=y}, ...}.
std::vector<std::vector<std::pair<std::string, std::string>>> sweep_points(const SweepSpec& spec);

/// Run the set; returns the exit code (the worst of the scenarios': 3, then 2, then 1, else 0).
int run_suite(const SuiteOptions& options);

/// `telsim merge DIR... --report OUT`: the suite.json of every DIR (shards of one suite) into
/// OUT's junit.xml, index.html and suite.json; returns the exit code the whole suite would have
/// had (2 when a DIR is not a suite's report or two shards ran one scenario).
int merge_suites(const std::vector<std::string>& dirs, const std::string& out);

}  // namespace telsim::cli

#pragma once
/// The RecordStream a scenario's run (`telsim run`, `telsim serve`) hands its call records to
/// as calls end: cdr.csv and stats.csv are written as the run goes and nothing is kept per call,
/// so a run of any length, or a server left up for days, needs the same memory.
#include <string>

#include "telsim/reports/record_stream.hpp"
#include "telsim/sim/scenario.hpp"

namespace telsim::cli {

/// What the stream of `scenario`'s records needs: the report folder (empty: no files), the
/// stats.csv interval (0: none), the trunk groups' and ACD queues' names.
inline StreamOptions stream_options(const Scenario& scenario, const std::string& report_dir,
                                    Duration stats_interval) {
  StreamOptions o;
  o.dir = report_dir;
  o.stats_interval = stats_interval;
  for (const TrunkConfig& t : scenario.pbx.trunks) o.trunks.push_back(t.name);
  for (const QueueConfig& q : scenario.pbx.acd.queues) o.queues.push_back(q.name);
  return o;
}

}  // namespace telsim::cli

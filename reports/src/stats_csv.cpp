// stats.csv over a run that holds its records: the rows RecordStream writes as a run goes.
#include <stdexcept>

#include "internal.hpp"

namespace telsim {

std::string stats_csv(const RunResult& run, Duration interval) {
  if (interval <= Duration::zero()) throw std::invalid_argument("stats interval must be positive");
  std::string out;
  StreamOptions options;
  options.stats_interval = interval;
  for (const QueueSummary& q : run.queues) options.queues.push_back(q.name);
  RecordStream stream(std::move(options));
  stream.capture(nullptr, &out);
  for (const CallRecord* r : report_detail::by_serial(run)) stream.add_in_order(*r);
  stream.finish(run);
  return out;
}

}  // namespace telsim

#include <fmt/format.h>

#include "internal.hpp"

namespace telsim {

std::string cdr_csv(const RunResult& run) {
  std::string out =
      "call_id,line,direction,from,to,reason,start_s,answer_s,end_s,duration_s,disconnect_mode,"
      "outcome,cleared_at_end,states,original_to,forward_hops,park_orbit,peer\n";
  for (const CallRecord* r : report_detail::by_serial(run)) {
    const std::string answer = r->answer ? format_seconds_3(*r->answer) : std::string();
    const std::string duration =
        r->answer ? format_seconds_3(r->end - *r->answer) : format_seconds_3(Duration{0});
    out += fmt::format("c{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", r->serial,
                       csv_field(r->line), to_string(r->direction), csv_field(r->from),
                       csv_field(r->to), to_string(r->reason), format_seconds_3(r->start), answer,
                       format_seconds_3(r->end), duration, to_string(r->mode),
                       to_string(r->outcome), r->cleared_at_end ? "true" : "false",
                       report_detail::states_text(*r), csv_field(r->original_to), r->forward_hops,
                       csv_field(r->park_orbit),
                       r->peer_serial ? fmt::format("c{}", r->peer_serial) : std::string());
  }
  return out;
}

}  // namespace telsim

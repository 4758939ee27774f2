#include "telsim/results/report_schema.hpp"

#include <vector>

#include <fmt/format.h>

namespace telsim {
namespace {

// Keep in report.json's order. A metric is any number a run has when it ends; `needs` names
// the count without which the figure is not a measurement.
constexpr ReportField kFields[] = {
    {"scenario", "string", "", "the scenario's `name`"},
    {"seed", "integer", "", "the seed of the run (the scenario's, or --seed)"},
    {"personality", "string", "", "the switch personality the run started from (`pbx.personality`, or --personality); \"\" for none"},
    {"sim_time_s", "number", "s", "simulated time when the run ended", true},

    {"expectations", "object", "", "the verdict of every expectation"},
    {"expectations.passed", "integer", "expectations", "expectations that held"},
    {"expectations.failed", "integer", "expectations", "expectations that failed (the run exits 1 when above 0)"},
    {"expectations.results", "array", "",
     "one object per expectation, in the order decided: `step` (1-based), `yaml_line`, `ok`, `at_s`, `what`, `message`"},
    {"faults", "array", "",
     "every action of an injected fault (the scenario's `faults:`, a live client's `inject`), in time order: `at_s`, "
     "`fault` (its 1-based number), `what` (a refusal, a lost or late reply, the link down or up, a restart, out of "
     "service or back) and `to` (whom it hit); empty when none"},

    {"calls", "object", "", "calls placed by the scenario's parties (stations, modems and generators on extensions), "
                            "each counted once under its outcome; trunk channels' legs and the switch's own "
                            "conference and bridge handles are not calls placed"},
    {"calls.total", "integer", "calls", "calls placed; the sum of the outcomes below", true},
    {"calls.answered", "integer", "calls", "reached CONNECTED (and were not transferred)", true},
    {"calls.busy", "integer", "calls", "the called party was busy", true},
    {"calls.blocked", "integer", "calls", "the switch or network had no resource: all trunk channels busy (BUSY with LINEBUSYMODE_TRUNK, or CONGESTION)", true},
    {"calls.no_answer", "integer", "calls", "rang until the switch gave up (NOANSWER)", true},
    {"calls.abandoned", "integer", "calls", "the caller hung up before an answer", true},
    {"calls.failed", "integer", "calls",
     "bad or vacant address, special information tone, rejected, do-not-disturb, unreachable", true},
    {"calls.transferred", "integer", "calls",
     "the caller's own line handed the call on by a completed transfer (consultation or blind)", true},
    {"calls.cleared", "integer", "calls", "not answered yet when the run ended", true},
    {"calls.cleared_at_end", "integer", "calls",
     "calls placed that were still in progress when the run ended, answered or not", true},

    {"incoming", "object", "", "calls offered to the scenario's extensions, one per party offered the call "
                               "(a call forwarded from 201 to 202 is received twice)"},
    {"incoming.total", "integer", "calls", "calls offered; the sum of the outcomes below", true},
    {"incoming.answered", "integer", "calls", "answered on this line (and not transferred on)", true},
    {"incoming.missed", "integer", "calls", "rang here and were never answered by anyone here", true},
    {"incoming.picked_up", "integer", "calls", "answered by another line with pickup", true},
    {"incoming.forwarded", "integer", "calls", "moved on by no-answer forwarding while ringing here", true},
    {"incoming.redirected", "integer", "calls", "sent on with redirect while offered here", true},
    {"incoming.transferred", "integer", "calls", "answered here, then transferred on from this line", true},
    {"incoming.cleared", "integer", "calls", "still ringing when the run ended", true},

    {"trunks", "object", "", "one object per trunk group, by name"},
    {"trunks.TRUNK", "object", "", "a trunk group; seizure figures cover the traffic's measurement window "
                                   "(after the longest warm-up, until the generators stop; the whole run without traffic)"},
    {"trunks.TRUNK.channels", "integer", "channels", "channels in the group", true},
    {"trunks.TRUNK.offered", "integer", "seizures", "seizure attempts, inbound and outbound", true},
    {"trunks.TRUNK.carried", "integer", "seizures", "seizure attempts that got a channel", true},
    {"trunks.TRUNK.blocked", "integer", "seizures", "seizure attempts that found every channel busy", true},
    {"trunks.TRUNK.blocking", "number", "ratio", "blocked / offered", true, "offered"},
    {"trunks.TRUNK.blocking_ci95", "array|null", "ratio",
     "[low, high] 95% confidence interval of the blocking (batch means, at least the Wilson score interval); "
     "null until 10 of 20 batches have 5 or more seizure attempts"},
    {"trunks.TRUNK.blocking_ci95_reason", "string|null", "", "why blocking_ci95 is null; null when there is one"},
    {"trunks.TRUNK.carried_erlangs", "number", "Erlangs", "mean busy channels over the measurement window", true},
    {"trunks.TRUNK.peak_occupancy", "integer", "channels", "most channels busy at once in the window", true},

    {"traffic", "object", "", "one object per traffic generator, by name (only when the scenario has traffic)"},
    {"traffic.TRAFFIC", "object", "", "a traffic generator"},
    {"traffic.TRAFFIC.arrivals", "integer", "calls", "arrivals it drew (each placed, or lost as below)", true},
    {"traffic.TRAFFIC.no_idle_source", "integer", "calls",
     "arrivals that found every source extension busy, so no call was placed", true},

    {"timings", "object", "", "setup, answer, ring and talk; percentiles by nearest rank"},
    {"timings.TIMING", "object", "",
     "setup: make_call until the first RINGBACK or BUSY; answer: make_call until CONNECTED; ring: the first "
     "OFFERING until the answer (incoming); talk: CONNECTED until the end (calls placed)"},
    {"timings.TIMING.count", "integer", "samples", "samples", true},
    {"timings.TIMING.p50_ms", "number", "ms", "median (0 without samples)", true, "count"},
    {"timings.TIMING.p95_ms", "number", "ms", "95th percentile (0 without samples)", true, "count"},
    {"timings.TIMING.p99_ms", "number", "ms", "99th percentile (0 without samples)", true, "count"},
    {"timings.TIMING.max_ms", "number", "ms", "largest sample (0 without samples)", true, "count"},

    {"features", "object", "", "feature counters of the switch"},
    {"features.park", "object", "", "park orbits"},
    {"features.park.parks", "integer", "calls", "calls parked", true},
    {"features.park.unparks", "integer", "calls", "calls taken out of an orbit with unpark", true},
    {"features.park.timeouts", "integer", "calls", "parked calls that timed out", true},
    {"features.park.recalls_answered", "integer", "calls", "timed-out calls answered where they recalled", true},
    {"features.park.max_occupancy", "integer", "orbits", "most orbits occupied at once", true},
    {"features.pickup", "object", "", "call pickup"},
    {"features.pickup.pickups", "integer", "calls", "calls picked up", true},
    {"features.pickup.failed", "integer", "requests", "pickups that found nothing ringing", true},
    {"features.forwarding", "object", "", "call forwarding"},
    {"features.forwarding.forwards", "integer", "hops", "forwarding steps taken", true},
    {"features.forwarding.max_hops", "integer", "hops", "longest forwarding chain a call took", true},
    {"features.forwarding.loops_stopped", "integer", "calls", "calls stopped at the hop limit", true},
    {"features.forwarding.dnd_refusals", "integer", "calls", "calls refused by do-not-disturb", true},
    {"features.call_control", "object", "", "transfer, conference, redirect and hold"},
    {"features.call_control.transfers", "integer", "transfers", "completed transfers (consultation and blind)", true},
    {"features.call_control.conferences", "integer", "conferences", "conferences set up", true},
    {"features.call_control.conference_max_size", "integer", "parties", "most parties in one conference", true},
    {"features.call_control.redirects", "integer", "calls", "calls redirected", true},
    {"features.call_control.hold_recalls", "integer", "calls", "held calls that rang their holder again", true},
    {"features.completion", "object", "", "call completion (camp-on, callback, intrude, message)"},
    {"features.completion.requested", "integer", "requests", "completions requested", true},
    {"features.completion.done", "integer", "requests", "completions carried out", true},
    {"features.completion.cancelled", "integer", "requests", "completions cancelled with uncomplete_call", true},
    {"features.completion.intrusions", "integer", "calls", "intrusions", true},
    {"features.completion.messages_left", "integer", "messages", "message-waiting indications left", true},
    {"features.media", "object", "", "digits, tones, media modes, user-user information and call data"},
    {"features.media.digits_generated", "integer", "digits", "digits sent in-band (generate_digits, dial on a connected call, far ends)", true},
    {"features.media.digits_heard", "integer", "digits", "digits that reached a party (once per party that heard it)", true},
    {"features.media.tones_generated", "integer", "tones", "tones generated (generate_tone, far ends' tones)", true},
    {"features.media.tones_detected", "integer", "tones", "monitored tones reported (LINE_MONITORTONE)", true},
    {"features.media.gathers", "integer", "gathers", "gathers ended (LINE_GATHERDIGITS)", true},
    {"features.media.gather_timeouts", "integer", "gathers", "gathers ended by FIRSTTIMEOUT or INTERTIMEOUT", true},
    {"features.media.media_detected", "integer", "calls", "media modes the switch's detectors told", true},
    {"features.media.uui_sent", "integer", "messages", "user-user information sent", true},
    {"features.media.call_data_set", "integer", "requests", "set_call_data requests", true},

    {"modems", "object", "", "one object per modem, by name (only when the scenario has modems)"},
    {"modems.MODEM", "object", "", "a modem"},
    {"modems.MODEM.number", "string", "", "its extension number"},
    {"modems.MODEM.speed", "integer", "bit/s", "its configured line rate", true},
    {"modems.MODEM.calls_placed", "integer", "calls", "calls it dialled", true},
    {"modems.MODEM.calls_answered", "integer", "calls", "calls it answered", true},
    {"modems.MODEM.connects", "integer", "calls", "carriers raised (CONNECT)", true},
    {"modems.MODEM.last_speed", "integer", "bit/s", "speed of its last carrier (0: never connected)", true},
    {"modems.MODEM.no_carrier", "integer", "results", "NO CARRIER results", true},
    {"modems.MODEM.escapes", "integer", "escapes", "+++ escapes to online command mode", true},
    {"modems.MODEM.bytes_sent", "integer", "bytes", "data bytes sent to the far end", true},
    {"modems.MODEM.bytes_received", "integer", "bytes", "data bytes received from the far end", true},
    {"modems.MODEM.command_lines", "integer", "lines", "AT command lines executed", true},
    {"modems.MODEM.errors", "integer", "results", "ERROR results", true},

    {"run", "object", "", "the run itself"},
    {"run.cleared_at_end", "integer", "calls", "call handles (of every kind) the end of the run had to clear", true},
    {"run.records", "integer", "records", "call detail records (rows of cdr.csv)", true},
    {"run.transitions", "integer", "events", "call-state changes", true},
    {"run.timer_events", "integer", "events", "timer events the kernel dispatched", true},
};

std::vector<std::string_view> split(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = path.find('.', start);
    out.push_back(path.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return out;
}

/// Does the concrete segment `seg` fit the schema segment `pattern`?
bool fits(std::string_view pattern, std::string_view seg, const ReportNames& names) {
  if (pattern == "TRUNK") return names.trunks.count(std::string(seg)) > 0;
  if (pattern == "TRAFFIC") return names.traffic.count(std::string(seg)) > 0;
  if (pattern == "MODEM") return names.modems.count(std::string(seg)) > 0;
  if (pattern == "TIMING") return seg == "setup" || seg == "answer" || seg == "ring" || seg == "talk";
  return pattern == seg;
}

/// The names a placeholder may take in this run, for messages.
std::string choices(std::string_view pattern, const ReportNames& names) {
  const std::set<std::string>* set = pattern == "TRUNK"     ? &names.trunks
                                     : pattern == "TRAFFIC" ? &names.traffic
                                     : pattern == "MODEM"   ? &names.modems
                                                            : nullptr;
  if (pattern == "TIMING") return "setup, answer, ring, talk";
  if (!set) return std::string(pattern);
  if (set->empty()) return "it has none";
  std::string out;
  for (const std::string& n : *set) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

std::span<const ReportField> report_fields() { return kFields; }

const ReportField* find_report_field(std::string_view path, const ReportNames& names, std::string& error) {
  const auto segs = split(path);
  for (std::string_view s : segs) {
    if (s.empty()) {
      error = fmt::format("'{}' is not a dotted path like trunks.pstn.blocking", path);
      return nullptr;
    }
  }
  // Walk down the tree: at each depth keep the fields whose path fits so far.
  std::string parent;  // the concrete path matched so far, for messages
  for (std::size_t depth = 0; depth < segs.size(); ++depth) {
    const ReportField* exact = nullptr;
    std::vector<std::string_view> children;  // what the parent has at this depth
    for (const ReportField& f : kFields) {
      const auto fsegs = split(f.path);
      if (fsegs.size() != depth + 1) continue;
      bool prefix = true;
      for (std::size_t i = 0; i < depth && prefix; ++i) prefix = fits(fsegs[i], segs[i], names);
      if (!prefix) continue;
      const std::string_view last = fsegs[depth];
      children.push_back(last == "TRUNK" || last == "TRAFFIC" || last == "MODEM" || last == "TIMING"
                             ? std::string_view{}
                             : last);
      if (fits(last, segs[depth], names)) exact = &f;
      if (!exact && (last == "TRUNK" || last == "TRAFFIC" || last == "MODEM" || last == "TIMING") &&
          !fits(last, segs[depth], names)) {
        error = fmt::format("'{}' in '{}' is not a {} of this scenario ({})", segs[depth], path,
                            last == "TIMING" ? "timing" : last == "TRUNK" ? "trunk group"
                                                    : last == "TRAFFIC" ? "traffic generator"
                                                                        : "modem",
                            choices(last, names));
        return nullptr;
      }
    }
    if (!exact) {
      std::string list;
      for (std::string_view c : children)
        if (!c.empty()) list += (list.empty() ? "" : ", ") + std::string(c);
      if (depth == 0)
        error = fmt::format("'{}' is not a field of report.json (it has {})", segs[0], list);
      else if (list.empty())
        error = fmt::format("'{}' is not a field of report.json: {} has no fields under it", path, parent);
      else
        error = fmt::format("'{}' is not a field of report.json: {} has {}", path, parent, list);
      return nullptr;
    }
    parent += (parent.empty() ? "" : ".") + std::string(segs[depth]);
    if (depth + 1 == segs.size()) return exact;
  }
  return nullptr;
}

}  // namespace telsim

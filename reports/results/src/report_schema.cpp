#include "telsim/results/report_schema.hpp"

#include <optional>
#include <vector>

#include <fmt/format.h>

#include "telsim/models/acd.hpp"
#include "telsim/models/duration.hpp"

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

    {"queues", "object", "", "one object per ACD queue, by name (only when the scenario has queues); figures cover "
                             "the calls that arrived in the measurement window (as `trunks`)"},
    {"queues.QUEUE", "object", "", "an ACD queue"},
    {"queues.QUEUE.number", "string", "", "its pilot number"},
    {"queues.QUEUE.offered", "integer", "calls", "calls that arrived at the queue", true},
    {"queues.QUEUE.answered", "integer", "calls", "answered by one of its agents", true},
    {"queues.QUEUE.abandoned", "integer", "calls", "the caller hung up before an agent answered", true},
    {"queues.QUEUE.overflowed", "integer", "calls", "sent on to the queue's overflow target", true},
    {"queues.QUEUE.refused", "integer", "calls", "found the queue full (max_length) without an overflow target: BUSY", true},
    {"queues.QUEUE.waited", "integer", "calls", "found no free agent and had to wait", true},
    {"queues.QUEUE.wait_probability", "number", "ratio",
     "waited / offered: the share of offered calls that found no free agent", true, "offered"},
    {"queues.QUEUE.wait_probability_ci95", "array|null", "ratio",
     "[low, high] 95% batch-means confidence interval of wait_probability; null until enough batches qualify"},
    {"queues.QUEUE.wait_probability_ci95_reason", "string|null", "", "why wait_probability_ci95 is null; null when there is one"},
    {"queues.QUEUE.abandon_probability", "number", "ratio",
     "abandoned / (answered + abandoned): the share of the calls that ended waiting whose caller hung up", true,
     "offered"},
    {"queues.QUEUE.abandon_probability_ci95", "array|null", "ratio",
     "[low, high] 95% batch-means confidence interval of abandon_probability; null until enough batches qualify"},
    {"queues.QUEUE.abandon_probability_ci95_reason", "string|null", "", "why abandon_probability_ci95 is null; null when there is one"},
    {"queues.QUEUE.mean_wait_s", "number", "s",
     "average speed of answer: the mean wait from arrival to an agent's answer, over the answered calls", true,
     "answered"},
    {"queues.QUEUE.mean_wait_s_ci95", "array|null", "s",
     "[low, high] 95% batch-means confidence interval of mean_wait_s; null until enough batches qualify"},
    {"queues.QUEUE.mean_wait_s_ci95_reason", "string|null", "", "why mean_wait_s_ci95 is null; null when there is one"},
    {"queues.QUEUE.wait_p50_s", "number|null", "s", "median wait of the answered calls (null without an answered call)"},
    {"queues.QUEUE.wait_p90_s", "number|null", "s", "90th percentile wait of the answered calls (null without an answered call)"},
    {"queues.QUEUE.wait_p95_s", "number|null", "s", "95th percentile wait of the answered calls (null without an answered call)"},
    {"queues.QUEUE.wait_max_s", "number|null", "s", "longest wait of an answered call (null without an answered call)"},
    {"queues.QUEUE.longest_wait_s", "number", "s", "longest wait of any call, answered or abandoned (0 when none waited)", true},
    {"queues.QUEUE.mean_talk_s", "number", "s", "answered calls: mean time from the answer to the end of the call", true,
     "answered"},
    {"queues.QUEUE.service_level", "object", "",
     "one share per service level threshold of the queue, keyed by the threshold (\"20s\")"},
    {"queues.QUEUE.service_level.THRESHOLD", "number", "ratio",
     "calls answered within the threshold / (answered + abandoned)", true, "offered"},
    {"queues.QUEUE.service_level_ci95", "object", "", "the same keys as service_level"},
    {"queues.QUEUE.service_level_ci95.THRESHOLD", "array|null", "ratio",
     "[low, high] 95% batch-means confidence interval of that service level; null until enough batches qualify"},
    {"queues.QUEUE.mean_length", "number", "calls", "callers waiting, averaged over the measurement window", true},
    {"queues.QUEUE.peak_length", "integer", "calls", "most callers waiting at once", true},

    {"agents", "object", "", "one object per ACD agent, by id (only when the scenario has agents); figures cover "
                             "the measurement window"},
    {"agents.AGENT", "object", "", "an agent"},
    {"agents.AGENT.line", "string", "", "the agent's extension"},
    {"agents.AGENT.calls", "integer", "calls", "queue calls it answered", true},
    {"agents.AGENT.occupancy", "number", "ratio",
     "busy time (BUSYACD, BUSYINCOMING, BUSYOUTBOUND, WORKINGAFTERCALL) / (busy + READY time)", true},
    {"agents.AGENT.time_s", "object", "",
     "time in each agent state (LINEAGENTSTATE name without its prefix, e.g. READY), in that order; only states "
     "with time above 0"},
    {"agents.AGENT.time_s.STATE", "number", "s", "time the agent spent in that state"},

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

/// The placeholders: segments in capitals that stand for a name of the run.
constexpr std::string_view kPlaceholders[] = {"TRUNK", "TRAFFIC", "MODEM", "TIMING",
                                              "QUEUE", "AGENT", "THRESHOLD", "STATE"};
bool placeholder(std::string_view seg) {
  for (std::string_view p : kPlaceholders)
    if (p == seg) return true;
  return false;
}

/// The set of names a placeholder takes from the run (nullptr for those fixed by telsim).
const std::set<std::string>* names_of(std::string_view pattern, const ReportNames& names) {
  if (pattern == "TRUNK") return &names.trunks;
  if (pattern == "TRAFFIC") return &names.traffic;
  if (pattern == "MODEM") return &names.modems;
  if (pattern == "QUEUE") return &names.queues;
  if (pattern == "AGENT") return &names.agents;
  return nullptr;
}

/// Does the concrete segment `seg` fit the schema segment `pattern`?
bool fits(std::string_view pattern, std::string_view seg, const ReportNames& names) {
  if (const std::set<std::string>* set = names_of(pattern, names)) return set->count(std::string(seg)) > 0;
  if (pattern == "TIMING") return seg == "setup" || seg == "answer" || seg == "ring" || seg == "talk";
  if (pattern == "THRESHOLD") {  // a duration as report.json writes it: "20s", "1min30s"
    const std::optional<Duration> d = parse_duration(std::string(seg));
    return d && format_duration(*d) == seg;
  }
  if (pattern == "STATE") {  // an agent state's name as report.json writes it: "READY"
    const std::optional<AgentState> st = parse_agent_state(seg);
    return st && to_string(*st) == seg;
  }
  return pattern == seg;
}

/// What a placeholder stands for, in words, with its article.
std::string_view what_of(std::string_view pattern) {
  if (pattern == "TIMING") return "a timing";
  if (pattern == "TRUNK") return "a trunk group";
  if (pattern == "TRAFFIC") return "a traffic generator";
  if (pattern == "MODEM") return "a modem";
  if (pattern == "QUEUE") return "a queue";
  if (pattern == "AGENT") return "an agent";
  if (pattern == "THRESHOLD") return "a service level threshold";
  return "an agent state";
}

/// The names a placeholder may take in this run, for messages.
std::string choices(std::string_view pattern, const ReportNames& names) {
  if (pattern == "TIMING") return "setup, answer, ring, talk";
  if (pattern == "THRESHOLD") return "a threshold as report.json writes it, such as 20s";
  if (pattern == "STATE") return "an agent state such as READY";
  const std::set<std::string>* set = names_of(pattern, names);
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
      children.push_back(placeholder(last) ? std::string_view{} : last);
      if (fits(last, segs[depth], names)) exact = &f;
      if (!exact && placeholder(last) && !fits(last, segs[depth], names)) {
        error = fmt::format("'{}' in '{}' is not {} of this scenario ({})", segs[depth], path, what_of(last),
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

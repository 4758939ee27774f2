#pragma once
/// What one scenario run produced: the verdict of every expectation and every call detail
/// record. Report writers read only this (and never the model), so a report is a pure
/// function of the run: same scenario and seed, same bytes.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "telsim/models/acd.hpp"
#include "telsim/models/events.hpp"
#include "telsim/models/modem.hpp"
#include "telsim/models/trunk.hpp"

namespace telsim {

struct ExpectationResult {
  int step = 0;        ///< 1-based index of the step in the scenario's `steps`
  int yaml_line = 0;   ///< 1-based line of the step in the scenario file
  bool ok = false;
  SimTime at{0};       ///< virtual time the verdict was reached
  std::string what;    ///< the expectation in words: "c1 state CONNECTED within 1s"
  std::string message; ///< why it failed (empty when ok)
};

/// `expect: {metric: PATH, min: X, max: Y}`: a figure of report.json checked when the run
/// ends (the reports library evaluates it: see check_metrics).
struct MetricCheck {
  int step = 0;        ///< 1-based index of the step in the scenario's `steps`
  int yaml_line = 0;
  std::string path;    ///< dotted report.json path, validated at load time
  std::optional<double> min, max;  ///< inclusive bounds; at least one is set
  std::string needs;   ///< a sibling count that must be above 0 for the value to mean anything
  bool operator==(const MetricCheck&) const = default;
};

/// One operation a scenario's `do:` step or a live client performed, after it ran. Traffic
/// generators and the PBX's own actions are not recorded (a million-call run pays nothing).
struct OperationRecord {
  SimTime at{0};             ///< virtual time the operation ran
  Op op = Op::MakeCall;
  std::string line;          ///< number of the acting line (the call's line, or the line operated on)
  std::uint64_t call = 0;    ///< serial of the call acted on or created; 0 if none
  LineErr error = LineErr::Success;
  std::string who;           ///< "" for the scenario, else the live client's name
  bool operator==(const OperationRecord&) const = default;
};

/// Something a call heard or its detectors told (digits, tones, a media mode, a gather's end,
/// user-user information, call data): what report.html's ladder marks on the call.
struct MediaRecord {
  SimTime at{0};
  std::string line;
  std::uint64_t call = 0;  ///< the call's serial
  std::string what;        ///< "hears 12#", "detected G3FAX", "gather TERMDIGIT '12#'"
  bool operator==(const MediaRecord&) const = default;
};

/// One action of an injected fault (a scenario's `faults:`, a live client's `inject`): a
/// request refused, a reply made late or lost, the link down or up, the switch restarted, a line
/// or trunk group out of service or back. report.json and report.html list them, so that a
/// failure can be traced to its cause.
struct FaultRecord {
  SimTime at{0};
  int fault = 0;      ///< 1-based: the scenario's faults in order, then those injected live
  std::string what;   ///< "refused make_call: LINEERR_RESOURCEUNAVAIL", "link down for 5s"
  std::string to;     ///< whom it hit: "line 201 (c3)", "every client (2)", "the switch"
  bool operator==(const FaultRecord&) const = default;
};

/// Where a run's call records go as its calls end, instead of RunResult::records: the reports
/// library's RecordStream writes cdr.csv and keeps what the other reports need in bounded memory,
/// so an endless run does not grow (telsim run, telsim bench --report).
class RecordSink {
 public:
  virtual ~RecordSink() = default;
  /// One call's record, when the call ends; records come in the order calls end, not by serial.
  virtual void add(const CallRecord& record) = 0;
};

struct RunResult {
  std::string scenario;  ///< the scenario's `name`
  std::string file;      ///< path as given on the command line
  std::uint64_t seed = 0;
  std::string personality;  ///< the switch personality the run started from ("" for none)
  SimTime sim_time{0};   ///< virtual time when the run ended
  std::vector<ExpectationResult> expectations;
  /// One per call handle, in serial order; empty when the records went to a RecordSink.
  std::vector<CallRecord> records;
  std::size_t cleared_at_end = 0;   ///< calls the end of the run had to clear
  std::uint64_t kernel_events = 0;  ///< timer events the kernel dispatched
  std::uint64_t transitions = 0;    ///< call-state changes
  PbxStats pbx;                     ///< feature counters: park, pickup, forwarding
  struct Trunk {
    std::string name;
    std::uint32_t channels = 0;
    TrunkStats::Summary stats;
  };
  std::vector<Trunk> trunks;        ///< in scenario order
  struct Traffic {
    std::string name;
    std::uint64_t arrivals = 0;
    std::uint64_t no_idle_source = 0;
  };
  std::vector<Traffic> traffic;
  std::vector<OperationRecord> operations;  ///< scenario steps' and live clients', in the order run
  std::vector<FaultRecord> faults;          ///< every action of an injected fault, in time order
  std::vector<MediaRecord> media;           ///< digits, tones and media on the calls, in time order
  struct ModemSummary {
    std::string name;
    std::string number;
    std::uint32_t speed = 0;  ///< configured line rate, bit/s
    Modem::Stats stats;
  };
  std::vector<ModemSummary> modems;  ///< in scenario order
  std::vector<QueueSummary> queues;  ///< ACD queues (acd.hpp), in scenario order
  std::vector<AgentSummary> agents;  ///< ACD agents, in scenario order
  std::vector<MetricCheck> metrics;  ///< the scenario's metric expectations, not yet evaluated

  std::size_t passed() const;
  std::size_t failed() const;
};

}  // namespace telsim

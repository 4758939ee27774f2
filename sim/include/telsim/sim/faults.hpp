#pragma once
/// Fault injection (a scenario's `faults:`, a live client's `inject`): scripted, seeded failures
/// of the switch and of its link to the applications, each recorded when it acts (FaultRecord)
/// so that a failure in a report can be traced to its cause.
///
/// Request faults are a filter on the request path (request_path.hpp): they match requests by
/// operation, acting line, the Nth match or a probability drawn from a named random stream, and
/// refuse the request with a chosen LINEERR, lose its reply or make it late. Timed faults act on
/// the switch at a given time: the link to the applications down for a period, a restart that
/// clears every call, an extension or trunk group out of service for a period.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "telsim/models/pbx.hpp"
#include "telsim/results/run_result.hpp"
#include "telsim/sim/request.hpp"
#include "telsim/sim/request_path.hpp"

namespace telsim {

struct FaultSpec {
  enum class Kind { Request, Event, LinkDown, Stall, Restart, OutOfService };
  Kind kind = Kind::Request;
  // Request: which requests (all that are given must match). Event: which state reports
  // (`event: call_state`, `state`, `line`, `nth`, `probability`).
  std::optional<Op> op;
  std::optional<CallState> state;  ///< Event: only reports of this state
  std::string line;             ///< the acting line's number ("" = any)
  std::uint64_t nth = 0;        ///< only the Nth matching request (0 = every one)
  std::optional<double> probability;  ///< each matching request with this probability
  std::string stream;           ///< the named random stream it is drawn from ("fault:NAME")
  // Request: what becomes of them (one of these).
  std::optional<LineErr> error;  ///< refused with this, the switch never sees it
  bool reply_never = false;      ///< carried out, but its reply is lost
  Duration reply_delay{0};       ///< carried out, its reply this much later; Event: the report this late
  bool duplicate = false;        ///< Event: the report told twice
  // Timed faults.
  SimTime at{0};
  Duration period{0};            ///< `for`: link down, out of service
  std::string target;            ///< out_of_service: an extension number or a trunk group's name
  bool operator==(const FaultSpec&) const = default;
};

/// Reads one fault from a scenario's `faults:` item or an `inject` request's `fault` (the same
/// keys; docs/scenarios.md, "Faults"). Errors go through `args.fail`. Names (op, line,
/// trunk group) are checked against `pbx` by the caller.
FaultSpec decode_fault(const ArgSource& args);

/// A fault in words, for messages and reports: "make_call #2: LINEERR_RESOURCEUNAVAIL".
std::string describe(const FaultSpec& fault);

class FaultInjector final : public RequestPath::Filter {
 public:
  FaultInjector(Pbx& pbx, Scheduler& scheduler, std::uint64_t seed, std::vector<FaultSpec> faults);
  ~FaultInjector() override;
  FaultInjector(const FaultInjector&) = delete;
  FaultInjector& operator=(const FaultInjector&) = delete;

  /// Schedule the timed faults of the scenario (at their `at`, from the start of the run).
  void start();
  /// A fault added while the run goes (a live client's `inject`): a timed one acts at its `at`
  /// or at once if that has passed. Returns its number.
  int add(FaultSpec fault);

  std::optional<OpResult> before(const Command& command, const std::string& line,
                                 RequestPath::ReplyFate& fate) override;
  /// Event faults: what becomes of the report of `call`'s state `shown`.
  Pbx::ReportFault on_report(const Call& call, CallState shown);

  /// The link to the applications is down now.
  bool link_down() const { return link_down_until_.has_value(); }
  /// Told when the link goes down (true) and comes back (false): the live server cuts its
  /// clients and refuses new ones meanwhile.
  void on_link(std::function<void(bool down)> hook) { link_hook_ = std::move(hook); }
  /// The switch is stalled now (`stall: server`): it answers nothing until it resumes.
  bool stalled() const { return stalled_until_.has_value(); }
  /// Told when a stall begins (true) and ends (false): the live server holds every request and
  /// every frame meanwhile.
  void on_stall(std::function<void(bool stalled)> hook) { stall_hook_ = std::move(hook); }

  const std::vector<FaultRecord>& log() const { return log_; }
  const std::vector<FaultSpec>& faults() const { return faults_; }

 private:
  void arm(std::size_t index);
  void act(std::size_t index);
  void note(std::size_t index, std::string what, std::string to);
  /// Have the switch ask on_report before each state report (there are event faults).
  void watch_reports();
  /// Counts a match of fault `index` and says whether it acts on this one (nth, probability).
  bool takes(std::size_t index);

  Pbx& pbx_;
  Scheduler& scheduler_;
  std::uint64_t seed_;
  std::vector<FaultSpec> faults_;
  std::vector<std::uint64_t> matched_;  ///< requests each request fault has matched so far
  std::map<std::string, std::mt19937_64> streams_;
  std::optional<SimTime> link_down_until_;
  std::function<void(bool)> link_hook_;
  std::optional<SimTime> stalled_until_;
  std::function<void(bool)> stall_hook_;
  std::vector<FaultRecord> log_;
  bool watching_reports_ = false;
};

}  // namespace telsim

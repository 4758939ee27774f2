#pragma once
/// Plays a Scenario's steps against a Pbx in virtual time and collects the verdicts.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "telsim/models/modem_bank.hpp"
#include "telsim/models/pbx.hpp"
#include "telsim/sim/kernel.hpp"
#include "telsim/sim/faults.hpp"
#include "telsim/sim/request_path.hpp"
#include "telsim/results/run_result.hpp"
#include "telsim/sim/scenario.hpp"

namespace telsim {

/// Build the PBX of `scenario` on `kernel`, play every step, run until nothing is pending (or
/// the scenario's stop_at), clear what is left and return the verdicts and CDRs. With `records`,
/// each CDR goes there as its call ends and RunResult::records stays empty (flat memory).
RunResult run_scenario(const Scenario& scenario, SimulationKernel& kernel, RecordSink* records = nullptr);

class ScenarioRunner;
class TrafficGenerator;

/// A scenario's world on a kernel: its PBX, its step player and its traffic generators. The
/// caller advances the kernel between start() and finish(): run_scenario until nothing is
/// pending, the live server in step with the wall clock.
class ScenarioSession {
 public:
  /// With `records`, CDRs go there as calls end instead of into RunResult::records.
  ScenarioSession(const Scenario& scenario, SimulationKernel& kernel, RecordSink* records = nullptr);
  ~ScenarioSession();
  ScenarioSession(const ScenarioSession&) = delete;
  ScenarioSession& operator=(const ScenarioSession&) = delete;
  Pbx& pbx() { return *pbx_; }
  /// The path every operation takes (the runner's steps, the live server's clients).
  RequestPath& request_path() { return *path_; }
  /// The scenario's modems (nullptr when it has none).
  ModemBank* modems() { return modems_.get(); }
  /// The scenario's faults, and those a live client injects.
  FaultInjector& faults() { return *faults_; }
  ScenarioRunner& runner() { return *runner_; }
  const Scenario& scenario() const { return scenario_; }
  /// Start the traffic generators and schedule the first step.
  void start();
  /// Close the run: steps still waiting fail, the PBX clears every call that is left (each
  /// ends IDLE with its CDR), and the verdicts, CDRs and statistics are returned.
  RunResult finish();
  /// Note an operation that ran (a `do:` step, a live client's request); finish() hands them
  /// over in RunResult::operations, in the order noted.
  void record_operation(OperationRecord op) { operations_.push_back(std::move(op)); }

 private:
  const Scenario& scenario_;
  SimulationKernel& kernel_;
  std::vector<OperationRecord> operations_;
  std::unique_ptr<Pbx> pbx_;
  std::unique_ptr<RequestPath> path_;
  std::unique_ptr<FaultInjector> faults_;
  std::unique_ptr<ModemBank> modems_;
  std::unique_ptr<ScenarioRunner> runner_;
  std::vector<std::unique_ptr<TrafficGenerator>> generators_;
};

/// The step player. Exposed for tests; run_scenario is the usual entry point.
class ScenarioRunner final : public PbxObserver, public ModemObserver {
 public:
  /// `modems` holds the scenario's modems (it may be nullptr when there are none).
  /// Its `do:` steps go through `path`, like every other request.
  ScenarioRunner(const Scenario& scenario, Pbx& pbx, RequestPath& path, Scheduler& scheduler,
                 ModemBank* modems = nullptr);
  ~ScenarioRunner() override;
  /// Schedule the first step.
  void start();
  /// Close the run: a step still waiting or never reached fails; the PBX clears what is left.
  void finish();
  bool all_steps_done() const { return next_ >= scenario_.steps.size(); }
  const std::vector<ExpectationResult>& results() const { return results_; }
  /// Records in serial order (valid after finish()); none when they went to a sink.
  std::vector<CallRecord> take_records();
  /// What the calls heard and their detectors told, for the ladder (RunResult::media).
  std::vector<MediaRecord> take_media() { return std::move(media_log_); }
  /// Hand each record to `sink` as its call ends instead of keeping it.
  void set_record_sink(RecordSink* sink) { sink_ = sink; }
  std::size_t cleared_at_end() const { return cleared_at_end_; }

  void on_call_state(const CallStateEvent& event) override;
  void on_digits_sent(CallId, std::string_view) override { recheck(); }
  void on_media(const MediaEvent& event) override;
  void on_call_info(CallId call, std::uint32_t infostate) override;
  void on_call_record(const CallRecord& record) override;
  void on_modem_output(const Modem& modem, std::string_view bytes) override;
  void on_modem_state(const Modem& modem) override;
  void on_agent_status(LineId line, std::uint32_t changed) override;
  void on_queue_status(std::size_t queue) override;

 private:
  /// The last known view of a named call; kept after the PBX deallocates it.
  struct Tracked {
    CallId id;
    CallState state = CallState::Idle;
    DisconnectMode mode = DisconnectMode::None;
    CallReason reason = CallReason::Direct;
    std::vector<StateStamp> history;
  };
  struct Verdict {
    bool holds = false;
    std::string observed;  ///< what was seen instead, for the failure message
    CallId matched;
    std::size_t output_used = 0;  ///< modem output: bytes the match consumes
  };

  void proceed();
  bool execute(const Step& step);  // false: the step waits
  bool execute_do(const Step& step);  // false: the step waits for the switch's reply
  void finish_do(const Step& step, const OpResult& reply);
  /// The reply reaches the step now, `wait` later, or never (fate.lost); true: the step is done.
  bool await_reply(const Step& step, const OpResult& reply, Duration wait, const RequestPath::ReplyFate& fate);
  bool execute_expect(const Step& step);
  Verdict evaluate(const Step& step) const;
  Verdict evaluate_call(const Expectation& e, const Tracked& t) const;
  Verdict evaluate_modem(const Step& step) const;
  void execute_modem(const Step& step);
  /// Re-check a waiting expectation after something changed; resumes the steps if it holds.
  void recheck();
  /// An expectation held: consume what it matched.
  void accept(const Step& step, const Verdict& v);
  void settle(bool ok, const std::string& message);
  void record(const Step& step, bool ok, std::string what, std::string message);
  void track(const std::string& name, CallId id);
  CallId resolve_call(const Step& step) const;
  /// The step's request with its call names resolved to the calls they name now.
  Command command_of(const Step& step) const;
  std::string describe(const Step& step) const;

  const Scenario& scenario_;
  Pbx& pbx_;
  RequestPath& path_;
  Scheduler& scheduler_;
  std::size_t next_ = 0;
  std::size_t timed_ = static_cast<std::size_t>(-1);  // step whose at/after wait has elapsed
  bool waiting_ = false;
  bool continuation_scheduled_ = false;
  TimerHandle deadline_;
  TimerHandle reply_timer_;  ///< a do step waiting for the switch's reply (reply_delay)
  std::optional<LineErr> last_error_;
  std::map<std::string, Tracked> tracked_;
  std::map<std::uint32_t, std::string> tracked_by_serial_;
  std::map<std::string, std::uint32_t> completions_;  // completion_as name -> id
  /// What each call's monitors reported (expectations: monitored, tone, generate).
  struct Heard {
    std::string monitored;              ///< LINE_MONITORDIGITS digits (DTMF, PULSE)
    std::vector<std::uint32_t> tones;   ///< LINE_MONITORTONE app_specifics
    std::optional<GenerateTerm> generate;  ///< the last LINE_GENERATE
  };
  std::map<std::uint32_t, Heard> heard_;  // by call serial
  struct GatherResult {
    GatherTerm termination = GatherTerm::Cancel;
    std::string digits;
  };
  std::map<std::uint32_t, std::string> gathering_;  // call serial -> the gather_digits `as` under way
  std::map<std::string, GatherResult> gathers_;     // ended gathers by name
  /// A completion named in a step: its id, 0 for "", nullopt for a name never given.
  std::optional<std::uint32_t> completion_id(const std::string& text) const;
  std::vector<ExpectationResult> results_;
  std::vector<CallRecord> records_;
  std::vector<MediaRecord> media_log_;
  void log_media(CallId call, std::string what);
  RecordSink* sink_ = nullptr;
  std::size_t cleared_at_end_ = 0;
  ModemBank* modems_ = nullptr;
  /// What each modem told its terminal that no `expect: {output}` has consumed yet (the last
  /// kModemOutputKept bytes of it).
  std::map<std::string, std::string, std::less<>> modem_output_;
  mutable std::map<int, std::regex> output_res_;  // by step index
};

}  // namespace telsim

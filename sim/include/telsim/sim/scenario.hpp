#pragma once
/// A scenario as loaded from YAML: the PBX to build and the steps to play. Every step keeps
/// the place it came from, so a verdict can name the YAML line. See docs/scenarios.md.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "telsim/models/events.hpp"
#include "telsim/models/dialing_rules.hpp"
#include "telsim/models/duration.hpp"
#include "telsim/models/modem.hpp"
#include "telsim/models/pbx.hpp"
#include "telsim/results/run_result.hpp"
#include "telsim/sim/faults.hpp"
#include "telsim/sim/request.hpp"
#include "telsim/sim/traffic.hpp"

namespace telsim {

/// A scenario or configuration error, located in its file (1-based line and column).
class ScenarioError : public std::runtime_error {
 public:
  ScenarioError(std::string file, int line, int column, const std::string& message);
  const std::string& file() const { return file_; }
  int line() const { return line_; }
  int column() const { return column_; }
  /// "FILE:LINE:COL: message"
  const std::string& message() const { return message_; }

 private:
  std::string file_;
  int line_;
  int column_;
  std::string message_;
};

/// What an `expect:` step waits for. Exactly one subject: a named call, a line, or the error
/// of the previous `do:` step. The other fields are conditions that must all hold.
struct Expectation {
  std::string call;  ///< name given by an earlier `as:`
  std::string line;  ///< extension number
  std::string modem;  ///< a modem's name: conditions on what it told its terminal and its state
  std::optional<std::string> output;           ///< modem: a regex (ECMAScript) its output must match
  std::optional<bool> dcd;                     ///< modem: the DCD signal
  std::optional<Modem::State> modem_state;     ///< modem: idle, online, online_command, ...
  std::optional<LineErr> error;
  std::optional<CallState> state;
  std::optional<DisconnectMode> mode;
  std::optional<CallReason> reason;
  std::optional<std::vector<CallState>> history;  ///< the exact state sequence so far
  std::optional<std::uint32_t> features;          ///< exact LINECALLFEATURE set
  std::optional<int> calls;                       ///< lines: number of calls not IDLE
  std::string orbit;                              ///< park orbit subject
  std::optional<bool> occupied;                   ///< orbit: a call is parked in it
  std::optional<std::vector<std::string>> related;  ///< call: its conference's calls, by name
  std::optional<int> messages_waiting;            ///< line: message-waiting indications
  std::optional<std::string> to;                  ///< call: the number called (digits dialled so far)
  std::optional<std::string> digits_sent;         ///< call: digits dialled into it once its number was complete
  std::optional<bool> busy_trunk;                 ///< call: `busy_mode: TRUNK` (true) or `STATION` (false)
  std::optional<std::string> from;                ///< call: the calling number (LINECALLINFO CallerID)
  std::optional<std::string> redirection;         ///< call: RedirectionID, where it went ("" = none)
  std::optional<std::string> redirecting;         ///< call: RedirectingID, who moved it ("" = none)
  /// call: its dwCompletionID, a completion_as name or a number ("0" = none)
  std::optional<std::string> completion;
  // call: what LINECALLPARAMS gave it (the caller's own call, or the call offered to the called party)
  std::optional<bool> caller_blocked;             ///< BLOCKID: no caller number shown (LINECALLPARTYID_BLOCKED)
  std::optional<bool> secure;                     ///< the call is secure (lineSecureCall, LINECALLPARAMFLAGS_SECURE)
  std::optional<std::string> calling_party_id;    ///< dwCallingPartyID presented ("" = none)
  std::optional<std::string> display_text;        ///< LINECALLINFO dwDisplay ("" = none)
  std::optional<std::string> user_user_info;      ///< LINECALLINFO dwUserUserInfo ("" = none)
  std::optional<std::string> bearer_mode;         ///< LINEBEARERMODE name (VOICE unless asked otherwise)
  std::optional<std::string> media_mode;          ///< LINEMEDIAMODE names, | between (INTERACTIVEVOICE unless asked)
  // Digits, tones and media (models/media.hpp).
  std::string gather;                             ///< subject: a gather named by gather_digits' `as`
  std::optional<GatherTerm> termination;          ///< gather: how it ended (LINEGATHERTERM)
  std::optional<std::string> digits;              ///< call: every digit it heard in-band; gather: its buffer
  std::optional<std::string> monitored;           ///< call: the digits LINE_MONITORDIGITS reported
  std::optional<std::uint32_t> media;             ///< call: the media mode the switch detected
  std::optional<std::uint32_t> tone;              ///< call: a LINE_MONITORTONE with this app_specific came
  std::optional<std::string> call_data;           ///< call: LINECALLINFO CallData
  std::optional<GenerateTerm> generate;           ///< call: its last LINE_GENERATE
  // The ACD (acd.hpp).
  std::string agent;                              ///< subject: an agent's extension
  std::optional<AgentState> agent_state;          ///< agent: its state as lineGetAgentStatus shows it
  std::optional<AgentState> next_state;           ///< agent: its next state (NONE: none)
  bool no_next_state = false;                     ///< agent: `next_state: null`
  std::optional<std::vector<std::string>> groups; ///< agent: the queues it is logged into
  std::optional<std::uint32_t> activity;          ///< agent: its activity id
  std::string queue;                              ///< subject: a queue's name
  std::optional<std::uint64_t> waiting;           ///< queue: callers waiting now
  std::optional<std::uint64_t> queued;            ///< queue: callers it has had (LINEQUEUEINFO total)
  std::optional<std::uint64_t> abandoned;         ///< queue: callers who hung up waiting
};

struct Step {
  /// Modem: a modem_send or modem_dtr step, the modem's terminal acting.
  enum class Kind { Do, Expect, Modem };
  int index = 0;  ///< 1-based position in `steps`
  int yaml_line = 0;
  int yaml_column = 0;
  Kind kind = Kind::Do;
  std::optional<SimTime> at;      ///< absolute virtual time
  std::optional<Duration> after;  ///< relative to the end of the previous step
  // do:
  Op op = Op::MakeCall;  ///< request.op's operation
  /// The operation and its arguments, decoded against the operation catalogue; call names are
  /// the scenario's (`as:`), `line` may stand for the call of a call operation.
  Request request;
  std::string returns;                  ///< park, translate_address: the address the switch must return
  std::string consult_as;               ///< setup_conference: name for the consult call
  std::string completion_as;            ///< complete_call: name for the completion id
  std::string controller;               ///< who performs the step ("" = the default controller)
  std::optional<LineErr> expect_error;
  bool reply_none = false;              ///< `reply: none`: a fault loses the reply; none must come
  // modem:
  std::string modem;           ///< the modem's name
  std::string data;            ///< modem_send: the bytes its terminal writes
  std::optional<bool> dtr;     ///< modem_dtr: DTR raised (true) or dropped (false)
  // expect:
  Expectation expect;
  Duration within{0};
  // both:
  std::string as;  ///< name for the call the step creates or matches
  std::string note;
};

/// A modem and where `telsim serve` surfaces it.
struct ModemSpec {
  ModemConfig config;
  std::string pty;  ///< serve: the path of a link to its pseudo-terminal ("" = none)
  std::string tcp;  ///< serve: "HOST:PORT" of a raw TCP port on loopback ("" = none)
  int yaml_line = 0;
  int yaml_column = 0;
};

struct Scenario {
  std::string file;
  std::string name;
  std::string description;
  std::uint64_t seed = 1;
  PbxConfig pbx;
  std::optional<SimTime> stop_at;  ///< end the run here even if timers are pending
  Location location;               ///< dialing rules for canonical numbers
  std::vector<TrafficConfig> traffic;
  std::vector<ModemSpec> modems;   ///< each also an extension of `pbx`
  std::vector<Step> steps;
  std::vector<FaultSpec> faults;   ///< `faults:` (faults.hpp), in the file's order
  /// `expect: {metric: ...}` steps: checked when the run ends, so they are not among `steps`
  /// (each keeps its own step number).
  std::vector<MetricCheck> metrics;
  /// `sweep:` (docs/scale.md): each parameter's name and values, in the file's order.
  std::vector<std::pair<std::string, std::vector<std::string>>> sweep;
  /// The values this run was loaded with (one point of the sweep; empty without a sweep).
  std::vector<std::pair<std::string, std::string>> params;
};

/// A scenario file's sweep as a suite needs it before any run: its parameters and values in order,
/// and its `seed` (1 when it has none). Reads only those two keys (placeholders elsewhere are
/// not resolved); throws ScenarioError when the file cannot be read or its sweep is malformed.
struct SweepSpec {
  std::vector<std::pair<std::string, std::vector<std::string>>> params;
  std::uint64_t seed = 1;
};
SweepSpec read_sweep(const std::string& path);

/// Load and validate a scenario file. Throws ScenarioError (with FILE:LINE:COL) on any
/// problem: YAML syntax, unknown keys, bad durations or ranges, duplicate numbers, unknown
/// operations, states or call names. Nothing is run.
///
/// A scenario with a `sweep:` is loaded at one point of it: `set` gives every parameter a value
/// (a value not in the parameter's list, a parameter the sweep lacks or one left out is an error),
/// each `${NAME}` in the text is replaced by its value before the YAML is read, and the scenario's
/// name becomes `NAME[p1=v1,p2=v2]`. Without `set`, each parameter takes its first value.
/// `personality`, when not empty, is the switch personality to start from instead of the
/// scenario's `pbx.personality` (`telsim run --personality`; a name personalities() knows); the
/// scenario's own `pbx:` settings still override it.
Scenario load_scenario(const std::string& path, const std::vector<std::pair<std::string, std::string>>& set = {},
                       std::string_view personality = {});
/// The same from text; `file` is only used in messages.
Scenario parse_scenario(const std::string& text, const std::string& file,
                        const std::vector<std::pair<std::string, std::string>>& set = {},
                        std::string_view personality = {});

// parse_duration and format_duration: telsim/models/duration.hpp.

}  // namespace telsim

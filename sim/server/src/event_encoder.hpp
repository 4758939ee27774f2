#pragma once
/// The wire frames of model events, replies and queries (docs/protocol.md).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "telsim/models/modem.hpp"
#include "telsim/models/pbx.hpp"

namespace telsim::serve {

using nlohmann::json;

/// What a client was last told of a call's LINECALLINFO fields, to report only changes.
struct CallInfoSnapshot {
  std::string from, to, original_to;
  std::string redirection, redirecting;  ///< LINECALLINFO RedirectionID / RedirectingID
  CallReason reason = CallReason::Direct;
  std::uint32_t completion = 0;  ///< LINECALLINFO dwCompletionID
  std::uint32_t conference = 0;
  std::string connected;  ///< the party the call is linked to now (LINECALLINFO's connected ID)
  // Media (models/media.hpp): LINECALLINFO's other fields the switch changes.
  std::uint32_t media_mode = 0;
  std::string user_user_info, call_data;
  Treatment treatment = Treatment::None;
  std::string qos_sending, qos_receiving;
  std::uint32_t bearer_mode = 0, rate = 0;
  std::optional<DialParams> dial_params;
  std::uint32_t monitor_digit_modes = 0, monitor_media_modes = 0;
};

/// A frame for the watchers of one line (address_state or line_state).
struct LineChange {
  LineId line = 0;
  std::string frame;
};

/// LINEMEDIAMODE bits as the wire lists them: ["INTERACTIVEVOICE", "G3FAX"].
json media_modes_json(std::uint32_t bits);

/// Model events as wire frames: new_call, call_state, call_info, line_state, address_state,
/// modem_state and shutdown events, replies, and the call_status / line_status answers, each
/// a function of the Pbx and the simulated time. It also remembers what was last reported of
/// each watched call (its call-info snapshot), line (forwarding, message waiting) and modem,
/// so that only changes become events. Who receives a frame is not its business.
class EventEncoder {
 public:
  /// `clock` gives the `t` of every frame.
  EventEncoder(const Pbx& pbx, const Scheduler& clock) : pbx_(pbx), clock_(clock) {}

  /// The simulated time, as frames carry it (seconds, millisecond precision).
  double now() const;

  // --- frames, from the model as it is --------------------------------------------------
  json new_call(const Call& call) const;
  json call_state(const Call* call, CallId id, LineId line, CallState state, DisconnectMode mode,
                  CallReason reason) const;
  /// The call's current state, as a call_state event.
  json call_state(const Call& call) const;
  json line_state(LineId line, const char* state, const json& extra = json::object()) const;
  json address_state(LineId line) const;
  /// A client's privilege on a call it knows changed (handoff, set_privilege): "OWNER", "MONITOR".
  json call_privilege(const Call& call, const char* privilege) const;
  json shutdown(const std::string& reason) const;
  /// generate, monitor_digits, gather_digits, monitor_tone, monitor_media or media_control;
  /// null for what only the simulator's traces record (MediaEvent::Kind::Heard).
  json media(const MediaEvent& event) const;
  /// The reply to a request the model carried out.
  json reply(const json& id, const OpResult& result) const;
  json call_status(CallId id) const;
  /// `controller`: the name of the client that has the line open (null: none); `monitors`:
  /// how many clients monitor it.
  json line_status(LineId line, const json& controller, std::size_t monitors) const;
  // --- the ACD (docs/protocol.md, "Agents and queues") ----------------------------------
  /// lineGetAgentStatus: the agent on `line` (an agent's extension).
  json agent_status(const AgentStatus& status) const;
  /// An `agent_status` event: the agent's status and what changed (LINEAGENTSTATUS bits).
  json agent_status_event(const AgentStatus& status, std::uint32_t changed) const;
  /// lineGetAgentCaps: what the agent can be set to and the queues it may log into.
  json agent_caps(const AgentStatus& status) const;
  /// lineGetQueueInfo (LINEQUEUEINFO) of one queue.
  json queue_info(const QueueInfo& info) const;
  /// A `queue_status` event (LINE_QUEUESTATUS UPDATEINFO).
  json queue_status_event(const QueueInfo& info) const;
  /// The switch's options a client cannot learn otherwise (hello's `pbx`: the TSP's
  /// LINEADDRESSCAPS and LINEDEVCAPS flags).
  static json capabilities(const PbxConfig& config);
  /// The number of the party `call` is linked to: its line's, or the PSTN party's for a trunk.
  std::string connected_number(const Call& call) const;
  CallInfoSnapshot snapshot(const Call& call) const;
  /// A call_info frame for what changed since `last` (updated to now); empty: nothing.
  std::string call_info_changes(const Call& call, CallInfoSnapshot& last) const;

  // --- what was reported last -----------------------------------------------------------
  /// Whether the call has been reported (it has a snapshot).
  bool tracks(std::uint32_t serial) const { return info_.count(serial) > 0; }
  /// Take the call's snapshot unless it has one (a call announced to a client).
  void track(const Call& call);
  /// A call_state is about to be reported: the call_info frame of its changes since the last
  /// report (empty when none, or when it is reported for the first time).
  std::string call_info_update(const Call& call);
  /// A tracked call's changes (empty for a call not tracked or unchanged).
  std::string call_info_change(const Call& call);
  /// The call went IDLE (or nobody hears of it any more).
  void forget(std::uint32_t serial) { info_.erase(serial); }
  /// Follow the line's forwarding and message waiting (someone opened or monitors it).
  void watch_line(LineId line);
  /// A reply the model published: forwarding or message waiting may have changed.
  void note(const OpResult& reply);
  /// Forwarding (address_state) and message-waiting (line_state) changes on the watched lines
  /// since the last call, in line order.
  std::vector<LineChange> line_changes();
  /// A modem_state frame when the modem on `line` differs from what was last reported.
  std::optional<std::string> modem_state(const Modem& modem, LineId line);

 private:
  struct LineSnapshot {
    std::vector<ForwardRule> forwarding;
    int messages_waiting = 0;
  };
  const Pbx& pbx_;
  const Scheduler& clock_;
  std::unordered_map<std::uint32_t, CallInfoSnapshot> info_;
  std::map<LineId, LineSnapshot> lines_;  // lines someone watches
  bool lines_dirty_ = false;
  std::map<const Modem*, json> modems_;  // the last modem_state sent, without its time
};

}  // namespace telsim::serve

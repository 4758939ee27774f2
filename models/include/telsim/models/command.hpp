#pragma once
/// A command: one operation of the catalogue with its arguments resolved (handles, line ids,
/// parsed modes) and its requester explicit. Every front end (the scenario runner, the live
/// server) builds commands and hands them to the request path, which authorizes them and calls
/// Pbx::execute.
#include <cstdint>
#include <string>
#include <vector>

#include "telsim/models/acd.hpp"
#include "telsim/models/call_params.hpp"
#include "telsim/models/catalogue.hpp"
#include "telsim/models/events.hpp"
#include "telsim/models/media.hpp"
#include "telsim/models/pbx_features.hpp"

namespace telsim {

/// LINECALLCOMPLMODE_*.
enum class CompletionMode { CampOn = 1, Callback = 2, Intrude = 4, Message = 8 };
std::string_view to_string(CompletionMode m);

/// LINETRANSFERMODE_*.
enum class TransferMode { Transfer = 1, Conference = 2 };

/// LINEPARKMODE_*.
enum class ParkMode { Directed = 1, NonDirected = 2 };

/// No line (a command that does not act on one).
inline constexpr LineId kNoLine = static_cast<LineId>(-1);

struct Command {
  Op op = Op::MakeCall;
  /// Who asks: a live client's name, or a controller of the scenario ("" = its default one).
  /// Calls the command creates are owned by the requester (TAPI gives the creating application
  /// owner privilege).
  std::string requester;
  LineId line = kNoLine;  ///< line operations: the line that acts
  CallId call;            ///< the call acted on
  CallId consult;         ///< complete_transfer, add_to_conference
  CallId held;            ///< swap_hold
  CallId conference;      ///< prepare_add_to_conference, add_to_conference
  std::string to;         ///< a number to dial or offer to; handoff: the controller
  std::string digits;     ///< dial
  std::string orbit;      ///< park, unpark
  std::string group;      ///< pickup
  std::string address;    ///< translate_address
  std::vector<ForwardRule> forwarding;  ///< forward
  ParkMode park_mode = ParkMode::NonDirected;
  TransferMode transfer_mode = TransferMode::Transfer;
  CompletionMode completion_mode = CompletionMode::CampOn;
  std::uint32_t completion = 0;  ///< uncomplete_call
  /// LINECALLPARAMS: make_call, setup_transfer, setup_conference, prepare_add_to_conference,
  /// forward (the `params` parameter; empty when not given).
  CallParams params;
  /// The media operations' arguments (is_media_op; media.hpp).
  MediaArgs media;
  /// The agent operations' arguments (is_agent_op; acd.hpp).
  AgentArgs agent;
};

/// The call a command acts on, as its catalogue row says (the conference for the conference
/// operations); none for line operations.
inline CallId subject_call(const Command& c) {
  switch (info(c.op).subject) {
    case Subject::Call: return c.call;
    case Subject::Conference: return c.conference;
    case Subject::Line:
    case Subject::Nothing: return {};
  }
  return {};
}

}  // namespace telsim

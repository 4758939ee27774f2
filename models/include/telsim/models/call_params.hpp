#pragma once
/// LINECALLPARAMS as the switch takes it: what an application asks of a call it makes
/// (lineMakeCall, lineSetupTransfer, lineSetupConference, linePrepareAddToConference, and the
/// calls lineForward may make). Scenarios and the wire write it as a `params:` mapping with the
/// structure's fields in snake_case; telsim.tsp decodes an LPLINECALLPARAMS into the same
/// mapping. What each field does is in docs/tapi-conformance.md (lineMakeCall).
#include <cstdint>
#include <optional>
#include <string>

#include "telsim/models/scheduler.hpp"

namespace telsim {

/// LINECALLPARAMFLAGS_* bits.
namespace callparam {
inline constexpr std::uint32_t kSecure = 0x1;
inline constexpr std::uint32_t kIdle = 0x2;
inline constexpr std::uint32_t kBlockId = 0x4;
inline constexpr std::uint32_t kOrigOffHook = 0x8;
inline constexpr std::uint32_t kDestOffHook = 0x10;
inline constexpr std::uint32_t kNoHoldConference = 0x20;
inline constexpr std::uint32_t kPredictiveDial = 0x40;
inline constexpr std::uint32_t kOneStepTransfer = 0x80;
/// LINEBEARERMODE_VOICE, LINEMEDIAMODE_INTERACTIVEVOICE: a call's modes when nothing asks otherwise.
inline constexpr std::uint32_t kBearerVoice = 0x1;
/// LINEBEARERMODE_PASSTHROUGH: no call of the switch; a modem line's owner asks for it instead
/// (the wire's modem_passthrough), as Unimodem hands its program the modem.
inline constexpr std::uint32_t kBearerPassthrough = 0x40;
inline constexpr std::uint32_t kMediaInteractiveVoice = 0x4;
}  // namespace callparam

struct CallParams {
  /// dwNoAnswerTimeout: abandon the call (DISCONNECTED, NOANSWER) this long after its number is
  /// complete if nobody has answered; nullopt (or 0) is the switch's own no_answer_timeout.
  std::optional<Duration> no_answer_timeout;
  std::uint32_t flags = 0;  ///< LINECALLPARAMFLAGS_* (callparam::k*)
  /// dwAddressMode ADDRESSID with dwAddressID: the originating address; a line has one, id 0.
  std::optional<std::uint32_t> address_id;
  /// dwAddressMode DIALABLEADDR with dwOrigAddress: the originating address by number.
  std::optional<std::string> orig_address;
  std::uint32_t bearer_mode = 0;  ///< one LINEBEARERMODE_* bit (0: VOICE)
  std::uint32_t media_mode = 0;   ///< LINEMEDIAMODE_* bits (0: INTERACTIVEVOICE)
  std::string calling_party_id;   ///< dwCallingPartyID: who the called party is told is calling
  std::string display_text;       ///< dwDisplayText: shown on the called party's display
  std::string user_user_info;     ///< dwUserUserInfo: carried to the called party's call
  /// dwPredictiveAutoTransferStates (LINECALLSTATE_* bits) with dwTargetAddress: when the call
  /// enters one of these states it is blind-transferred to `target_address`.
  std::uint32_t predictive_auto_transfer_states = 0;
  std::string target_address;

  bool has(std::uint32_t flag) const { return (flags & flag) != 0; }
  bool operator==(const CallParams&) const = default;
};

}  // namespace telsim

#pragma once
// LINECALLPARAMS for the switch: TSPI_lineMakeCall, lineSetupTransfer, lineSetupConference,
// linePrepareAddToConference and lineForward pass the application's LPLINECALLPARAMS on as the
// wire's `params` object (docs/protocol.md, docs/tsp.md); and what a call carries of its
// caller's params (new_call's `caller_blocked` and `params`) goes into its LINECALLINFO.
#include <windows.h>
#include <tapi.h>

#include <string>

#include <nlohmann/json.hpp>

namespace telsim::tsp {

/// `params` for the wire from an application's LINECALLPARAMS (null: nothing, `out` stays
/// empty). Every variable part (offset and size) must lie inside dwTotalSize, each string be
/// whole UTF-16: otherwise LINEERR_INVALCALLPARAMS. dwTotalSize shorter than TAPI 1.4's fixed
/// part (up to dwDevSpecificOffset) is LINEERR_STRUCTURETOOSMALL; the members TAPI added later
/// are read when dwTotalSize covers them. Returns 0 or the LINEERR.
LONG decode_call_params(const LINECALLPARAMS* params, nlohmann::json& out);

/// What a call carries of its caller's LINECALLPARAMS, for its LINECALLINFO.
struct CarriedParams {
  bool caller_blocked = false;  ///< dwCallerIDFlags LINECALLPARTYID_BLOCKED
  DWORD bearer_mode = 0;        ///< 0: LINEBEARERMODE_VOICE
  DWORD media_mode = 0;         ///< 0: the line's
  std::string calling_party_id;  ///< dwCallerIDName when the switch names none
  std::string display_text;      ///< dwDisplay
  std::string user_user_info;    ///< dwUserUserInfo
};
/// From a new_call event (or a call_status reply): `caller_blocked` and `params`.
CarriedParams carried_params(const nlohmann::json& frame);
/// What the caller's own call carries: the `params` it sent.
CarriedParams carried_params_sent(const nlohmann::json& params);

}  // namespace telsim::tsp

#pragma once
// Text helpers shared by the TSP, its test host and tapi32.dll: UTF-8 <-> UTF-16 (the wire
// protocol is UTF-8, every TSPI string is UTF-16) and TAPI's constants by name. The names and
// values are tapi_names.hpp's, the server's too; this file only maps them to Windows types.
#include <windows.h>
#include <tapi.h>

#include <string>
#include <string_view>

#include "telsim/models/tapi_names.hpp"

namespace telsim::tsp {

/// UTF-8 to UTF-16; invalid bytes become U+FFFD.
std::wstring widen(std::string_view utf8);
/// UTF-16 to UTF-8; unpaired surrogates become U+FFFD. A null pointer gives "".
std::string narrow(std::wstring_view utf16);
std::string narrow(const wchar_t* utf16);

/// LINECALLSTATE_* of a wire state name ("ONHOLDPENDTRANSFER"; any case, TAPI's prefix
/// optional); 0 for an unknown name.
DWORD call_state_value(std::string_view name);
/// The name of one LINECALLSTATE_* value ("ONHOLD"), "?" for anything else.
const char* call_state_name(DWORD state);

/// LINECALLREASON_* of a wire reason name ("UNPARK"); LINECALLREASON_UNKNOWN when unknown.
DWORD call_reason_value(std::string_view name);

/// LINEERR_* of a wire error name ("LINEERR_INVALCALLSTATE"); LINEERR_OPERATIONFAILED when the
/// name is unknown (a newer server may know more errors than this TSP).
LONG line_error_value(std::string_view name);
/// "LINEERR_INVALCALLSTATE" for any LINEERR_* value of <tapi.h>, "LINEERR_0x..." for an unknown one.
std::string line_error_name(LONG error);

/// "LINE_CALLSTATE" etc. for a LINEEVENT message, for logs and test reports.
std::string line_message_name(DWORD msg);

/// Every LINECALLSTATE_* (the simulator produces them all).
constexpr DWORD kAllCallStates = tapi_names::kCallState.all_bits();

}  // namespace telsim::tsp

#pragma once
// Text helpers shared by the TSP and its test host: UTF-8 <-> UTF-16 (the wire protocol is
// UTF-8, every TSPI string is UTF-16) and the TAPI constants behind the wire protocol's names.
#include <windows.h>
#include <tapi.h>

#include <string>
#include <string_view>

namespace telsim::tsp {

/// UTF-8 to UTF-16; invalid bytes become U+FFFD.
std::wstring widen(std::string_view utf8);
/// UTF-16 to UTF-8; unpaired surrogates become U+FFFD. A null pointer gives "".
std::string narrow(std::wstring_view utf16);
std::string narrow(const wchar_t* utf16);

/// LINECALLSTATE_* of a wire state name ("ONHOLDPENDTRANSFER"); 0 for an unknown name.
DWORD call_state_value(std::string_view name);
/// The name of one LINECALLSTATE_* value ("ONHOLD"), "?" for anything else.
const char* call_state_name(DWORD state);

/// LINECALLREASON_* of a wire reason name ("UNPARK"); LINECALLREASON_UNKNOWN when unknown.
DWORD call_reason_value(std::string_view name);

/// LINEERR_* of a wire error name ("LINEERR_INVALCALLSTATE"); LINEERR_OPERATIONFAILED when the
/// name is unknown (a newer server may know more errors than this TSP).
LONG line_error_value(std::string_view name);
/// "LINEERR_INVALCALLSTATE" for its value, "LINEERR_0x..." for an unknown one.
std::string line_error_name(LONG error);

/// "LINE_CALLSTATE" etc. for a LINEEVENT message, for logs and test reports.
std::string line_message_name(DWORD msg);

/// LINECALLFEATURE_* bits this TSP passes on (the server's `features` are masked with it).
constexpr DWORD kKnownCallFeatures =
    LINECALLFEATURE_ACCEPT | LINECALLFEATURE_ADDTOCONF | LINECALLFEATURE_ANSWER |
    LINECALLFEATURE_BLINDTRANSFER | LINECALLFEATURE_COMPLETECALL | LINECALLFEATURE_COMPLETETRANSF |
    LINECALLFEATURE_DIAL | LINECALLFEATURE_DROP | LINECALLFEATURE_HOLD | LINECALLFEATURE_PARK |
    LINECALLFEATURE_PREPAREADDCONF | LINECALLFEATURE_REDIRECT | LINECALLFEATURE_REMOVEFROMCONF |
    LINECALLFEATURE_SECURECALL | LINECALLFEATURE_SETUPCONF | LINECALLFEATURE_SETUPTRANSFER |
    LINECALLFEATURE_SWAPHOLD | LINECALLFEATURE_UNHOLD;

/// Every LINECALLSTATE_* the simulator produces.
constexpr DWORD kAllCallStates =
    LINECALLSTATE_IDLE | LINECALLSTATE_OFFERING | LINECALLSTATE_ACCEPTED | LINECALLSTATE_DIALTONE |
    LINECALLSTATE_DIALING | LINECALLSTATE_RINGBACK | LINECALLSTATE_BUSY | LINECALLSTATE_SPECIALINFO |
    LINECALLSTATE_CONNECTED | LINECALLSTATE_PROCEEDING | LINECALLSTATE_ONHOLD |
    LINECALLSTATE_CONFERENCED | LINECALLSTATE_ONHOLDPENDCONF | LINECALLSTATE_ONHOLDPENDTRANSFER |
    LINECALLSTATE_DISCONNECTED | LINECALLSTATE_UNKNOWN;

/// Every LINEDISCONNECTMODE_* the simulator reports, and TEMPFAILURE (the TSP's own, when the
/// server goes away).
constexpr DWORD kAllDisconnectModes =
    LINEDISCONNECTMODE_NORMAL | LINEDISCONNECTMODE_UNKNOWN | LINEDISCONNECTMODE_REJECT |
    LINEDISCONNECTMODE_PICKUP | LINEDISCONNECTMODE_FORWARDED | LINEDISCONNECTMODE_BUSY |
    LINEDISCONNECTMODE_NOANSWER | LINEDISCONNECTMODE_BADADDRESS | LINEDISCONNECTMODE_UNREACHABLE |
    LINEDISCONNECTMODE_CONGESTION | LINEDISCONNECTMODE_INCOMPATIBLE | LINEDISCONNECTMODE_UNAVAIL |
    LINEDISCONNECTMODE_NODIALTONE | LINEDISCONNECTMODE_BLOCKED | LINEDISCONNECTMODE_DONOTDISTURB |
    LINEDISCONNECTMODE_CANCELLED | LINEDISCONNECTMODE_TEMPFAILURE;

/// dwParam2 of LINE_CALLSTATE (and LINECALLSTATUS.dwCallStateMode) for a state the server
/// reported with LINEDISCONNECTMODE `mode` (0 when none). The simulator only says how a call
/// ended; for the other states the TSP reports the mode its PBX always has (docs/tsp.md):
/// DIALTONE INTERNAL (a PBX extension), OFFERING and CONNECTED ACTIVE, BUSY STATION, SPECIALINFO
/// CUSTIRREG (the simulator's intercept is for a vacant number). CONFERENCED carries the
/// conference's TAPI handle instead, which only the TSP knows.
DWORD call_state_mode(DWORD state, DWORD mode);

}  // namespace telsim::tsp

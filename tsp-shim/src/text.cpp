#include "text.hpp"

#include <tspi.h>

#include <array>
#include <cstdio>

namespace telsim::tsp {

std::wstring widen(std::string_view utf8) {
  if (utf8.empty()) return {};
  const int n = MultiByteToWideChar(CP_UTF8, 0, utf8.data(), static_cast<int>(utf8.size()), nullptr, 0);
  std::wstring out(static_cast<std::size_t>(n), L'\0');
  MultiByteToWideChar(CP_UTF8, 0, utf8.data(), static_cast<int>(utf8.size()), out.data(), n);
  return out;
}

std::string narrow(std::wstring_view utf16) {
  if (utf16.empty()) return {};
  const int n = WideCharToMultiByte(CP_UTF8, 0, utf16.data(), static_cast<int>(utf16.size()), nullptr, 0,
                                    nullptr, nullptr);
  std::string out(static_cast<std::size_t>(n), '\0');
  WideCharToMultiByte(CP_UTF8, 0, utf16.data(), static_cast<int>(utf16.size()), out.data(), n, nullptr, nullptr);
  return out;
}

std::string narrow(const wchar_t* utf16) { return utf16 ? narrow(std::wstring_view(utf16)) : std::string(); }

namespace {

struct Named {
  const char* name;
  DWORD value;
};

constexpr std::array<Named, 16> kStates{{
    {"IDLE", LINECALLSTATE_IDLE},
    {"OFFERING", LINECALLSTATE_OFFERING},
    {"ACCEPTED", LINECALLSTATE_ACCEPTED},
    {"DIALTONE", LINECALLSTATE_DIALTONE},
    {"DIALING", LINECALLSTATE_DIALING},
    {"RINGBACK", LINECALLSTATE_RINGBACK},
    {"BUSY", LINECALLSTATE_BUSY},
    {"SPECIALINFO", LINECALLSTATE_SPECIALINFO},
    {"CONNECTED", LINECALLSTATE_CONNECTED},
    {"PROCEEDING", LINECALLSTATE_PROCEEDING},
    {"ONHOLD", LINECALLSTATE_ONHOLD},
    {"CONFERENCED", LINECALLSTATE_CONFERENCED},
    {"ONHOLDPENDCONF", LINECALLSTATE_ONHOLDPENDCONF},
    {"ONHOLDPENDTRANSFER", LINECALLSTATE_ONHOLDPENDTRANSFER},
    {"DISCONNECTED", LINECALLSTATE_DISCONNECTED},
    {"UNKNOWN", LINECALLSTATE_UNKNOWN},
}};

constexpr std::array<Named, 13> kReasons{{
    {"DIRECT", LINECALLREASON_DIRECT},
    {"FWDBUSY", LINECALLREASON_FWDBUSY},
    {"FWDNOANSWER", LINECALLREASON_FWDNOANSWER},
    {"FWDUNCOND", LINECALLREASON_FWDUNCOND},
    {"PICKUP", LINECALLREASON_PICKUP},
    {"UNPARK", LINECALLREASON_UNPARK},
    {"REDIRECT", LINECALLREASON_REDIRECT},
    {"CALLCOMPLETION", LINECALLREASON_CALLCOMPLETION},
    {"TRANSFER", LINECALLREASON_TRANSFER},
    {"REMINDER", LINECALLREASON_REMINDER},
    {"INTRUDE", LINECALLREASON_INTRUDE},
    {"PARKED", LINECALLREASON_PARKED},
    {"CAMPEDON", LINECALLREASON_CAMPEDON},
}};

struct NamedError {
  const char* name;
  LONG value;
};

#define E(x) NamedError{"LINEERR_" #x, static_cast<LONG>(LINEERR_##x)}
constexpr NamedError kErrors[] = {
    E(ALLOCATED),
    E(BADDEVICEID),
    E(BEARERMODEUNAVAIL),
    E(CALLUNAVAIL),
    E(COMPLETIONOVERRUN),
    E(CONFERENCEFULL),
    E(DIALBILLING),
    E(DIALDIALTONE),
    E(DIALPROMPT),
    E(DIALQUIET),
    E(INCOMPATIBLEAPIVERSION),
    E(INCOMPATIBLEEXTVERSION),
    E(INIFILECORRUPT),
    E(INUSE),
    E(INVALADDRESS),
    E(INVALADDRESSID),
    E(INVALADDRESSMODE),
    E(INVALADDRESSSTATE),
    E(INVALAPPHANDLE),
    E(INVALAPPNAME),
    E(INVALBEARERMODE),
    E(INVALCALLCOMPLMODE),
    E(INVALCALLHANDLE),
    E(INVALCALLPARAMS),
    E(INVALCALLPRIVILEGE),
    E(INVALCALLSELECT),
    E(INVALCALLSTATE),
    E(INVALCALLSTATELIST),
    E(INVALCARD),
    E(INVALCOMPLETIONID),
    E(INVALCONFCALLHANDLE),
    E(INVALCONSULTCALLHANDLE),
    E(INVALCOUNTRYCODE),
    E(INVALDEVICECLASS),
    E(INVALDEVICEHANDLE),
    E(INVALDIALPARAMS),
    E(INVALDIGITLIST),
    E(INVALDIGITMODE),
    E(INVALDIGITS),
    E(INVALEXTVERSION),
    E(INVALGROUPID),
    E(INVALLINEHANDLE),
    E(INVALLINESTATE),
    E(INVALLOCATION),
    E(INVALMEDIALIST),
    E(INVALMEDIAMODE),
    E(INVALMESSAGEID),
    E(INVALPARAM),
    E(INVALPARKID),
    E(INVALPARKMODE),
    E(INVALPOINTER),
    E(INVALPRIVSELECT),
    E(INVALRATE),
    E(INVALREQUESTMODE),
    E(INVALTERMINALID),
    E(INVALTERMINALMODE),
    E(INVALTIMEOUT),
    E(INVALTONE),
    E(INVALTONELIST),
    E(INVALTONEMODE),
    E(INVALTRANSFERMODE),
    E(LINEMAPPERFAILED),
    E(NOCONFERENCE),
    E(NODEVICE),
    E(NODRIVER),
    E(NOMEM),
    E(NOREQUEST),
    E(NOTOWNER),
    E(NOTREGISTERED),
    E(OPERATIONFAILED),
    E(OPERATIONUNAVAIL),
    E(RATEUNAVAIL),
    E(RESOURCEUNAVAIL),
    E(REQUESTOVERRUN),
    E(STRUCTURETOOSMALL),
    E(TARGETNOTFOUND),
    E(TARGETSELF),
    E(UNINITIALIZED),
    E(USERUSERINFOTOOBIG),
    E(REINIT),
    E(ADDRESSBLOCKED),
    E(BILLINGREJECTED),
    E(INVALFEATURE),
    E(NOMULTIPLEINSTANCE),
    E(INVALAGENTID),
    E(INVALAGENTGROUP),
    E(INVALPASSWORD),
    E(INVALAGENTSTATE),
    E(INVALAGENTACTIVITY),
    E(DIALVOICEDETECT),
    E(USERCANCELLED),
    E(INVALADDRESSTYPE),
    E(INVALAGENTSESSIONSTATE),
    E(DISCONNECTED),
    E(SERVICE_NOT_RUNNING),
};
#undef E

}  // namespace

DWORD call_state_value(std::string_view name) {
  for (const Named& s : kStates)
    if (name == s.name) return s.value;
  return 0;
}

const char* call_state_name(DWORD state) {
  for (const Named& s : kStates)
    if (state == s.value) return s.name;
  return "?";
}

DWORD call_reason_value(std::string_view name) {
  for (const Named& r : kReasons)
    if (name == r.name) return r.value;
  return LINECALLREASON_UNKNOWN;
}

LONG line_error_value(std::string_view name) {
  for (const NamedError& e : kErrors)
    if (name == e.name) return e.value;
  return static_cast<LONG>(LINEERR_OPERATIONFAILED);
}

std::string line_error_name(LONG error) {
  for (const NamedError& e : kErrors)
    if (error == e.value) return e.name;
  char buf[32];
  std::snprintf(buf, sizeof buf, "LINEERR_0x%08lX", static_cast<unsigned long>(error));
  return buf;
}

std::string line_message_name(DWORD msg) {
  switch (msg) {
    case LINE_ADDRESSSTATE: return "LINE_ADDRESSSTATE";
    case LINE_CALLINFO: return "LINE_CALLINFO";
    case LINE_CALLSTATE: return "LINE_CALLSTATE";
    case LINE_CLOSE: return "LINE_CLOSE";
    case LINE_LINEDEVSTATE: return "LINE_LINEDEVSTATE";
    case LINE_CREATE: return "LINE_CREATE";
    case LINE_NEWCALL: return "LINE_NEWCALL";
    default: return "LINE_#" + std::to_string(msg);
  }
}

DWORD call_state_mode(DWORD state, DWORD mode) {
  switch (state) {
    case LINECALLSTATE_DIALTONE: return LINEDIALTONEMODE_INTERNAL;
    case LINECALLSTATE_OFFERING: return LINEOFFERINGMODE_ACTIVE;
    case LINECALLSTATE_CONNECTED: return LINECONNECTEDMODE_ACTIVE;
    case LINECALLSTATE_BUSY: return LINEBUSYMODE_STATION;
    case LINECALLSTATE_SPECIALINFO: return LINESPECIALINFO_CUSTIRREG;
    case LINECALLSTATE_DISCONNECTED: {
      // One bit, one the TSP knows (LINEDISCONNECTMODE_* are single bits).
      const DWORD known = mode & kAllDisconnectModes;
      return known != 0 && (known & (known - 1)) == 0 ? known : static_cast<DWORD>(LINEDISCONNECTMODE_UNKNOWN);
    }
    default: return 0;
  }
}

}  // namespace telsim::tsp

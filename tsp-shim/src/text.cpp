#include "text.hpp"

#include <tspi.h>

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

// The tables are tapi_names.hpp's; <tapi.h> is here to hold a few of them against it (the unit
// test tests/models/tapi_names_test.cpp holds every value against mingw-w64's tapi.h).
static_assert(tapi_names::kCallState.value_of("ONHOLDPENDTRANSFER") == LINECALLSTATE_ONHOLDPENDTRANSFER);
static_assert(tapi_names::kDisconnectMode.value_of("TEMPFAILURE") == LINEDISCONNECTMODE_TEMPFAILURE);
static_assert(tapi_names::kCallReason.value_of("CAMPEDON") == LINECALLREASON_CAMPEDON);
static_assert(tapi_names::kCallFeature.value_of("SETCALLDATA") == LINECALLFEATURE_SETCALLDATA);
static_assert(tapi_names::kCallInfoState.value_of("CONNECTEDID") == LINECALLINFOSTATE_CONNECTEDID);
static_assert(tapi_names::kLineErr.value_of("SERVICE_NOT_RUNNING") == LINEERR_SERVICE_NOT_RUNNING);
static_assert(tapi_names::kParkMode.value_of("NONDIRECTED") == LINEPARKMODE_NONDIRECTED);
static_assert(tapi_names::kTransferMode.value_of("CONFERENCE") == LINETRANSFERMODE_CONFERENCE);
static_assert(tapi_names::kCallComplMode.value_of("MESSAGE") == LINECALLCOMPLMODE_MESSAGE);

DWORD call_state_value(std::string_view name) { return tapi_names::kCallState.value_of(name).value_or(0); }

const char* call_state_name(DWORD state) {
  const std::string_view name = tapi_names::kCallState.name_of(state);
  return name.empty() ? "?" : name.data();  // the table's names are string literals
}

DWORD call_reason_value(std::string_view name) {
  return tapi_names::kCallReason.value_of(name).value_or(LINECALLREASON_UNKNOWN);
}

LONG line_error_value(std::string_view name) {
  return static_cast<LONG>(tapi_names::kLineErr.value_of(name).value_or(LINEERR_OPERATIONFAILED));
}

std::string line_error_name(LONG error) {
  std::string name = tapi_names::kLineErr.full_name(static_cast<std::uint32_t>(error));
  if (!name.empty()) return name;
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
    case LINE_GENERATE: return "LINE_GENERATE";
    case LINE_MONITORDIGITS: return "LINE_MONITORDIGITS";
    case LINE_GATHERDIGITS: return "LINE_GATHERDIGITS";
    case LINE_MONITORTONE: return "LINE_MONITORTONE";
    case LINE_MONITORMEDIA: return "LINE_MONITORMEDIA";
    case LINE_AGENTSTATUS: return "LINE_AGENTSTATUS";
    case LINE_QUEUESTATUS: return "LINE_QUEUESTATUS";
    case LINE_REPLY: return "LINE_REPLY";
    default: return "LINE_#" + std::to_string(msg);
  }
}

}  // namespace telsim::tsp

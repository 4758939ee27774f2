#pragma once
// telsim.tsp's extensions for telsim's own tapi32.dll (docs/tsp.md, "Several processes").
//
// Under Windows one telephony service hosts the provider for every program, and TAPI shares a
// line between them itself. Under Wine each process runs tapi32.dll with a provider instance and
// server connection of its own, so the server shares the line between processes (docs/protocol.md,
// "Several clients on one line"), and the TSPI has no words for what tapi32 must tell the
// provider or hear from it: the process's privilege on a call, a handoff or a privilege change
// that another process must see. These exports say it. tapi32 finds them with GetProcAddress;
// tapisrv never calls them, and a provider that was not told to share lines behaves as before.
#include <windows.h>
#include <tapi.h>
#include <tspi.h>

/// The version of these extensions TELSIM_providerShareLines speaks.
#define TELSIM_EXT_VERSION 1

/// A LINEEVENT message (only after TELSIM_providerShareLines): the process's privilege on a call
/// changed because of another process (a handoff made it an owner). dwParam1 the privilege
/// (LINECALLPRIVILEGE_OWNER or _MONITOR), dwParam2 the media mode of the handoff that gave it
/// (one LINEMEDIAMODE_ bit; 0 when the handoff named the application).
#define TELSIM_LINE_CALLPRIVILEGE 0x7E10

#ifdef __cplusplus
extern "C" {
#endif

/// Share lines with other processes from now on (before any TSPI_lineOpen): lineOpen asks the
/// server for the privilege the owners' media modes (TSPI_lineSetDefaultMediaDetection) make,
/// and `application` (the executable's file name) is what other processes' handoffs name.
/// 0, or LINEERR_INCOMPATIBLEAPIVERSION for a version it does not speak.
typedef LONG(TSPIAPI* TELSIM_PROVIDERSHARELINES)(DWORD dwVersion, LPCWSTR lpszApplication);
/// The process's privilege on a call as the server gave it (LINECALLPRIVILEGE_OWNER, _MONITOR;
/// 0 when the server did not say) and the media mode of the handoff that made it the owner
/// (0 when none, or by name).
typedef LONG(TSPIAPI* TELSIM_LINEGETCALLPRIVILEGE)(HDRVCALL hdCall, LPDWORD lpdwPrivilege, LPDWORD lpdwHandoffMediaMode);
/// lineHandoff to another process: by the target's file name, or (lpszFileName NULL) by one
/// LINEMEDIAMODE_ bit. Asynchronous: ASYNC_COMPLETION with 0, LINEERR_TARGETNOTFOUND,
/// LINEERR_TARGETSELF (by media mode: this process is the highest-priority owner) ...
typedef LONG(TSPIAPI* TELSIM_LINEHANDOFF)(DRV_REQUESTID dwRequestID, HDRVCALL hdCall, LPCWSTR lpszFileName,
                                          DWORD dwMediaMode);
/// lineSetCallPrivilege for the process as a whole (OWNER when one of its applications owns the
/// call, else MONITOR). Asynchronous: LINEERR_INVALCALLSTATE when it is the last owner of a call
/// in progress and asks for MONITOR.
typedef LONG(TSPIAPI* TELSIM_LINESETCALLPRIVILEGE)(DRV_REQUESTID dwRequestID, HDRVCALL hdCall, DWORD dwPrivilege);

/// The agent handler (TAPI 2.x's agent functions, which the TSPI lacks): a LINEPROXYREQUEST for
/// the line's agent or the switch's queues, served from the server (any process, lines shared or
/// not). dwRequestType SETAGENTGROUP, SETAGENTSTATE, SETAGENTACTIVITY, GETAGENTCAPS,
/// GETAGENTSTATUS, GETAGENTACTIVITYLIST, GETAGENTGROUPLIST, GETQUEUELIST, GETQUEUEINFO,
/// GETGROUPLIST, SETAGENTSTATEEX (hAgent the line's agent, by the id the server gives it:
/// LINEAGENTCAPS' dwAgentHandlerInfo names it; LINEAGENTSTATEEX_ NOTREADY, READY, RELEASED);
/// anything else LINEERR_OPERATIONUNAVAIL, as is every request when the server has no ACD.
/// dwSize covers the request and the room after it; the structure a GET request fills starts
/// with its dwTotalSize, set by the caller, and must lie within dwSize. Asynchronous: the
/// structure is filled (UTF-16 strings; dwNeededSize and dwUsedSize set, all of the variable part
/// or none of it) before ASYNC_COMPLETION, whose result is 0 or the server's LINEERR_
/// (INVALAGENTID for a line without an agent, INVALAGENTSTATE, INVALAGENTGROUP,
/// INVALAGENTACTIVITY, INVALPARAM for an unknown queue); the request must stay where it is
/// until then. A group is a queue: LINEAGENTGROUPENTRY.GroupID.dwGroupID1 is its id (the other
/// three 0), lineGetQueueList's GroupID its id in Data1 (GUID_NULL: every queue).
/// The server's agent events come through the line's LINEEVENT: LINE_AGENTSTATUS (dwParam1 the
/// address, 0; dwParam2 LINEAGENTSTATUS_ bits) and LINE_QUEUESTATUS (on every open line;
/// dwParam1 the queue's id, dwParam2 LINEQUEUESTATUS_ bits).
typedef LONG(TSPIAPI* TELSIM_LINEPROXYREQUEST)(DRV_REQUESTID dwRequestID, HDRVLINE hdLine,
                                               LPLINEPROXYREQUEST lpProxyRequest);

#ifdef __cplusplus
}
#endif
